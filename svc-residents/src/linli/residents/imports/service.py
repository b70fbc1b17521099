"""Business rules of bulk import: who may import where, what makes a file acceptable, and how an
accepted file enters the registry.

Scope: an import covers one division, the caller's own scope or a division below it (`division`);
naming a division the caller does not hold refuses the upload (403) before it is read. A row whose
community lies outside the import's division is a bad row like any other (reported, and so
nothing is stored), which lets a street admin fix one file instead of guessing which row was
refused. Who: community workers, and street, district and city admins, each for their subtree.

Two passes over the spooled file: validation reads every row and stores nothing; if any row is
bad the job ends `rejected` with every bad row reported. Otherwise storage re-reads the file
and writes everything in one transaction (see repository.py), with the same events a worker's
entries publish, so consumers cannot tell an imported resident from a typed one.

CPU-heavy work (parsing, HMAC, AES-GCM, building events) runs batch by batch in a worker thread,
so the service keeps answering requests while a 100,000-row file is imported.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.events import DomainEvent
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pii import PiiCipher, PiiField
from linli.residents.access import MANAGE_ROLES
from linli.residents.ages import today_in_shanghai
from linli.residents.households.events import HouseholdCreated, ResidentCreated
from linli.residents.households.repository import ResidentRepository
from linli.residents.identity import mask_name
from linli.residents.imports.errors import ImportJobNotFound, ImportKeyReused, ImportReportNotReady
from linli.residents.imports.events import ImportCompleted
from linli.residents.imports.files import SpooledFile, UnreadableFile, records
from linli.residents.imports.repository import CreatedRow, ImportRepository, StagedRecord
from linli.residents.imports.rows import (
    FILE_REASONS,
    R_ALREADY_REGISTERED,
    R_COMMUNITY_UNKNOWN,
    R_COURT_CONFLICT,
    R_DUPLICATE_IN_FILE,
    R_HOUSEHOLD_HAS_HEAD,
    R_NO_ROWS,
    R_OUT_OF_SCOPE,
    R_SECOND_HEAD,
    Header,
    ImportRow,
    Problem,
    Reason,
    check_row,
    reported_value,
)
from linli.residents.models import RelationToHead, Sex
from linli.residents.models.imports import ImportJob, ImportStatus
from linli.residents.places.events import (
    BuildingCreated,
    CourtCreated,
    DwellingCreated,
    UnitCreated,
)
from linli.residents.protected import protect
from linli.residents.stats.service import recount_communities

BATCH_ROWS = 2000
EVENT_PAGE = 5000


class Progress(Protocol):
    """Where a running job reports; each call is committed at once, apart from the import's own
    transaction, so `GET /imports/{id}` sees it."""

    async def counted(self, rows_total: int) -> None: ...
    async def validated(self, rows: int) -> None: ...
    async def bad(self, problems: Sequence[Problem]) -> None: ...
    async def stored(self, rows: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Stored:
    residents: int
    households: int
    places: int


# --- requests ------------------------------------------------------------------------------------


def import_scope(principal: Principal, division: str | None) -> str:
    """The division an import covers: 403 for roles that never import, or a division not held."""
    principal.require_role(*MANAGE_ROLES)
    scope = division or principal.scope
    principal.require_scope(scope)
    return scope


async def open_job(
    session: AsyncSession,
    *,
    principal: Principal,
    scope: str,
    file: SpooledFile,
    idempotency_key: str | None,
) -> tuple[ImportJob, bool]:
    """Record a queued job for a spooled file; (job, True) when new. A retry with the same
    Idempotency-Key and the same file gets the first job, with another file 422."""
    repository = ImportRepository(session)
    job = ImportJob(
        id=new_id(),
        scope_code=scope,
        status=ImportStatus.QUEUED,
        format=file.format,
        filename=file.filename,
        file_bytes=file.size,
        file_sha256=file.sha256,
        created_by=principal.subject,
        idempotency_key=idempotency_key,
    )
    if await repository.add_job(job):
        stored = await repository.get_job(job.id)
        assert stored is not None
        return stored, True
    assert idempotency_key is not None  # only the key's unique constraint can refuse the row
    first = await repository.job_by_key(principal.subject, idempotency_key)
    assert first is not None
    if first.file_sha256 != file.sha256 or first.scope_code != scope:
        raise ImportKeyReused("this Idempotency-Key was used for another file; use a new key")
    return first, False


async def get_job(
    session: AsyncSession, *, principal: Principal, job_id: uuid.UUID, stale_after: timedelta
) -> ImportJob:
    """A job the caller may see (its scope covers the job's); a job whose process died is failed
    here, on read, once its heartbeat is older than `stale_after`."""
    principal.require_role(*MANAGE_ROLES)
    repository = ImportRepository(session)
    job = await repository.get_job(job_id)
    if job is None or not principal.covers(job.scope_code):
        raise ImportJobNotFound()
    if await repository.fail_stale(heartbeat_before=datetime.now(UTC) - stale_after, job_id=job_id):
        job = await repository.get_job(job_id)
        assert job is not None
    return job


async def fail_stale_jobs(session: AsyncSession, *, stale_after: timedelta) -> int:
    """At startup: jobs left active by a process that died are failed (nothing of them was
    stored: storage is one transaction)."""
    return await ImportRepository(session).fail_stale(
        heartbeat_before=datetime.now(UTC) - stale_after, job_id=None
    )


def require_report(job: ImportJob) -> None:
    if job.status is not ImportStatus.REJECTED:
        raise ImportReportNotReady(
            f"the import is {job.status.value}; only a rejected one has a report"
        )


REPORT_HEADER = ("row", "column", "value", "code", "reason_zh", "reason_en")


async def report_csv(session: AsyncSession, *, job_id: uuid.UUID) -> AsyncIterator[str]:
    """The bad rows as CSV text, a page at a time (with a BOM: Excel then reads it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_HEADER)
    yield "\ufeff" + _drain(buffer)
    count = 0
    async for bad in ImportRepository(session).bad_rows(job_id):
        writer.writerow(
            (bad.row, bad.column, bad.value or "", bad.code, bad.reason_zh, bad.reason_en)
        )
        count += 1
        if count % 500 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- validation ----------------------------------------------------------------------------------


@dataclass
class _Validator:
    """The rules that span rows: in-scope communities, one person once, one court per building."""

    scope: str
    communities: set[str]
    cipher: PiiCipher
    today: date
    header: Header | None = None
    rows: int = 0
    seen: dict[str, int] = field(default_factory=dict)  # blind index → first row
    courts: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    heads: dict[tuple[str, str, str, str], int] = field(default_factory=dict)  # address → row

    def check(
        self, row: int, cells: list[str]
    ) -> tuple[ImportRow | None, str | None, list[Problem]]:
        assert self.header is not None
        values = self.header.cells(cells)
        good, problems = check_row(row, values, today=self.today)
        community = values["community_code"]
        if not any(p.column == "community_code" for p in problems):
            if not community.startswith(self.scope):
                problems.append(Problem(row, "community_code", community, R_OUT_OF_SCOPE))
            elif community not in self.communities:
                problems.append(Problem(row, "community_code", community, R_COMMUNITY_UNKNOWN))
        index = None
        if good is not None:
            index = self.cipher.blind_index(PiiField.ID_NUMBER, good.id_number)
            first = self.seen.setdefault(index, row)
            if first != row:
                value = reported_value("id_number", good.id_number)
                problems.append(_as_in(first, row, "id_number", value, R_DUPLICATE_IN_FILE))
            # A person already refused (twice in the file) is not a second head as well.
            if not problems and good.relation_to_head is RelationToHead.HEAD:
                address = (good.community_code, good.building, good.unit, good.room)
                head_row = self.heads.setdefault(address, row)
                if head_row != row:
                    problems.append(
                        _as_in(head_row, row, "relation_to_head", "head", R_SECOND_HEAD)
                    )
            if good.court is not None:
                key = (good.community_code, good.building)
                court, court_row = self.courts.setdefault(key, (good.court, row))
                if court != good.court:
                    problems.append(_as_in(court_row, row, "court", good.court, R_COURT_CONFLICT))
        return (good if not problems else None), index, problems


def _unreadable(exc: UnreadableFile) -> Problem:
    return Problem(exc.row, "*", None, FILE_REASONS[exc.code], exc.en, exc.zh)


def _as_in(earlier: int, row: int, column: str, value: str | None, reason: Reason) -> Problem:
    """A problem of `row` that refers to an earlier row of the file."""
    return Problem(row, column, value, reason, f"row {earlier}", f"第 {earlier} 行")


def _take(source: Iterator[tuple[int, list[str]]], size: int) -> list[tuple[int, list[str]]]:
    """Up to `size` non-blank rows (blank lines are skipped, as a spreadsheet user expects)."""
    batch: list[tuple[int, list[str]]] = []
    for row, cells in source:
        if any(cell.strip() for cell in cells):
            batch.append((row, cells))
            if len(batch) == size:
                break
    return batch


def _check_batch(
    validator: _Validator, batch: Sequence[tuple[int, list[str]]]
) -> list[tuple[int, ImportRow | None, str | None, list[Problem]]]:
    return [(row, *validator.check(row, cells)) for row, cells in batch]


def _header_cells(file: SpooledFile) -> list[str]:
    """The first row (empty for an empty file); raises UnreadableFile."""
    source = records(file)
    try:
        return next(source, (0, []))[1]
    finally:
        source.close()


def count_rows(file: SpooledFile) -> int:
    """Data rows (non-blank, header excluded); raises UnreadableFile."""
    return sum(1 for _, cells in records(file) if any(c.strip() for c in cells)) - 1


async def validate(
    session: AsyncSession,
    *,
    job: ImportJob,
    file: SpooledFile,
    cipher: PiiCipher,
    progress: Progress,
) -> int:
    """Check every row; report problems as they are found. Returns the number of bad rows."""
    try:
        header_cells = await asyncio.to_thread(_header_cells, file)
        header, problems = Header.parse(header_cells)
        if problems:
            await progress.bad(problems)
            return 1
        total = await asyncio.to_thread(count_rows, file)
    except UnreadableFile as exc:
        await progress.bad([_unreadable(exc)])
        return 1
    if total <= 0:
        await progress.bad([Problem(2, "*", None, R_NO_ROWS)])
        return 1
    await progress.counted(total)
    repository = ImportRepository(session)
    validator = _Validator(
        scope=job.scope_code,
        communities=await repository.communities(job.scope_code),
        cipher=cipher,
        today=today_in_shanghai(),
    )
    source = records(file)
    bad_rows = 0
    try:
        await asyncio.to_thread(next, source)  # the header, parsed above
        validator.header = header
        validated = 0
        while batch := await asyncio.to_thread(_take, source, BATCH_ROWS):
            checked = await asyncio.to_thread(_check_batch, validator, batch)
            problems = [p for _, _, _, found in checked for p in found]
            indexes = {index: row for row, good, index, _ in checked if good is not None and index}
            residents = ResidentRepository(session)
            for index in await residents.registered(list(indexes)):
                problems.append(Problem(indexes[index], "id_number", None, R_ALREADY_REGISTERED))
            # A head for a dwelling whose household (already in the registry) has one.
            heads = {
                (good.community_code, good.building, good.unit, good.room): good.row
                for _, good, _, _ in checked
                if good is not None and good.relation_to_head is RelationToHead.HEAD
            }
            for address in await residents.heads_at(list(heads)):
                problems.append(
                    Problem(heads[address], "relation_to_head", "head", R_HOUSEHOLD_HAS_HEAD)
                )
            if problems:
                problems.sort(key=lambda p: p.row)
                bad_rows += len({p.row for p in problems})
                await progress.bad(problems)
            validated += len(batch)
            await progress.validated(validated)
    except UnreadableFile as exc:
        await progress.bad([_unreadable(exc)])
        return max(bad_rows, 1)
    return bad_rows


# --- storage -------------------------------------------------------------------------------------


def _staged(good: ImportRow, cipher: PiiCipher) -> StagedRecord:
    id_number = protect(cipher, PiiField.ID_NUMBER, good.id_number)
    phone = protect(cipher, PiiField.PHONE, good.phone) if good.phone else None
    return (
        good.row,
        good.community_code,
        good.court,
        good.building,
        good.unit,
        good.room,
        new_id(),  # candidate ids: used when this row is the one that creates the thing
        new_id(),
        new_id(),
        new_id(),
        new_id(),
        new_id(),  # the resident's own id
        good.name,
        good.sex.value,
        good.birth_date,
        id_number.cipher,
        id_number.index,
        id_number.masked,
        phone.cipher if phone else None,
        phone.index if phone else None,
        phone.masked if phone else None,
        good.relation_to_head.value,
        list(good.tags),
    )


def _stage_batch(
    source: Iterator[tuple[int, list[str]]], header: Header, cipher: PiiCipher, today: date
) -> list[StagedRecord]:
    staged = []
    for row, cells in _take(source, BATCH_ROWS):
        good, problems = check_row(row, header.cells(cells), today=today)
        if good is None:  # the file was validated a moment ago; it cannot have changed
            raise RuntimeError(f"row {row} no longer validates: {problems[0].reason_en}")
        staged.append(_staged(good, cipher))
    return staged


async def store(
    session: AsyncSession,
    *,
    job: ImportJob,
    file: SpooledFile,
    cipher: PiiCipher,
    progress: Progress,
) -> Stored | list[Problem]:
    """Write every row in the caller's transaction; the problems instead when a person became a
    resident since validation (the caller rolls back and rejects the job)."""
    repository = ImportRepository(session)
    await repository.create_staging()
    today = today_in_shanghai()
    source = records(file)
    _, header_cells = await asyncio.to_thread(next, source)
    header, _ = Header.parse(header_cells)
    staged_rows = 0
    while staged := await asyncio.to_thread(_stage_batch, source, header, cipher, today):
        await repository.stage(staged)
        staged_rows += len(staged)
        await progress.stored(staged_rows)
    await repository.finish_staging()
    if late := await repository.staged_already_registered():
        return [Problem(row, "id_number", None, R_ALREADY_REGISTERED) for row in late]
    residents = await repository.store_staged()
    if residents != staged_rows:
        raise RuntimeError(f"{staged_rows} rows staged but {residents} residents stored")
    # The statistics' bulk path: one recount of each community touched, in this transaction.
    await recount_communities(session, community_codes=await repository.staged_communities())
    await repository.collect_created()
    events = events_of(session)
    after = 0
    while page := await repository.created_page(after=after, limit=EVENT_PAGE):
        # One COPY a page; the envelopes are built (and checked for PII) in a worker thread.
        await events.record_many(_created_events(page))
        after = page[-1].row
    households, places = await repository.created_counts()
    await events.record(
        ImportCompleted(
            import_id=job.id,
            scope_code=job.scope_code,
            residents_created=residents,
            households_created=households,
            places_created=places,
        ),
        subject_id=str(job.id),
    )
    return Stored(residents=residents, households=households, places=places)


def _created_events(page: Sequence[CreatedRow]) -> Iterator[tuple[DomainEvent, uuid.UUID]]:
    """The `*.created` events of a page of stored rows, with the id of what each created."""
    for r in page:
        community = r.community_code
        address = f"{r.building}-{r.unit}-{r.room}"
        if r.court_created is not None and r.court is not None:
            yield (
                CourtCreated(community_code=community, court_id=r.court_created, name=r.court),
                r.court_created,
            )
        if r.building_created is not None:
            yield (
                BuildingCreated(
                    community_code=community,
                    building_id=r.building_created,
                    name=r.building,
                    court_id=r.building_court_id,
                    grid_id=r.building_grid_id,
                ),
                r.building_created,
            )
        if r.unit_created is not None and r.unit_building_id is not None:
            yield (
                UnitCreated(
                    community_code=community,
                    unit_id=r.unit_created,
                    building_id=r.unit_building_id,
                    name=r.unit,
                ),
                r.unit_created,
            )
        if (
            r.dwelling_created is not None
            and r.dwelling_unit_id is not None
            and r.dwelling_building_id is not None
        ):
            yield (
                DwellingCreated(
                    community_code=community,
                    dwelling_id=r.dwelling_created,
                    unit_id=r.dwelling_unit_id,
                    building_id=r.dwelling_building_id,
                    address=address,
                ),
                r.dwelling_created,
            )
        if r.household_created is not None and r.household_dwelling_id is not None:
            yield (
                HouseholdCreated(
                    community_code=community,
                    household_id=r.household_created,
                    dwelling_id=r.household_dwelling_id,
                    household_address=address,
                    grid_id=r.household_grid_id,
                ),
                r.household_created,
            )
        yield (
            ResidentCreated(
                community_code=community,
                resident_id=r.resident_id,
                household_id=r.household_id,
                grid_id=r.grid_id,
                name_masked=mask_name(r.name),
                sex=Sex(r.sex),
                birth_year=r.birth_date.year,
                tags=list(r.tags),
            ),
            r.resident_id,
        )
