"""Business rules of applications: filing (one item or a bundle) with its materials, each step of
the state machine, the working-day clock and its overdue timer.

Every step locks the application's row, checks the move against the state machine and the
caller's part in it, and writes the change, one timeline step, its events and its timer in the
request's transaction: a step, its events and its timer exist together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import UploadFile
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.errors import Forbidden
from linli.common.files import FilePolicy, FileStore, discard_on_rollback
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pagination import Page, within_division
from linli.common.timers import cancel, schedule
from linli.service_hall import access, calendar
from linli.service_hall.access import SYSTEM, Actor
from linli.service_hall.applications import events as ev
from linli.service_hall.applications.errors import (
    ApplicationNotFound,
    BackEntryRefused,
    IllegalMove,
    MissingMaterials,
    NotOffered,
    UnknownMaterial,
    UnknownResident,
)
from linli.service_hall.applications.machine import (
    ACTIVE,
    FINISHED,
    MOVES,
    Action,
    allowed_moves,
    can,
)
from linli.service_hall.applications.repository import LISTING, ApplicationRepository
from linli.service_hall.applications.schemas import (
    ApplicationDetail,
    ApplicationRead,
    ClockRead,
    FilingRead,
    HeldUpBy,
    MaterialRead,
    ReturnIn,
    StepRead,
)
from linli.service_hall.applications.sla import clock, due_on
from linli.service_hall.bundles import service as bundles
from linli.service_hall.catalogue.errors import ItemNotFound
from linli.service_hall.catalogue.repository import CatalogueRepository
from linli.service_hall.models import (
    Application,
    ApplicationStatus,
    ApplicationStep,
    Bundle,
    CatalogueItem,
    CatalogueItemVersion,
    Channel,
    Filing,
    FilingStatus,
    MaterialFile,
    ServicePoint,
)
from linli.service_hall.residents.service import KnownResident, known_resident

# The durable timer of an application's due date: one per application, moved when it resumes.
OVERDUE_TIMER = "application.overdue"
# Channels a resident files through alone; the others are a worker's (counter, home, grid round).
RESIDENT_CHANNELS = frozenset({Channel.ONLINE, Channel.APPOINTMENT})


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Upload:
    """One material file of a request: the material's code and the uploaded file."""

    code: str
    file: UploadFile


@dataclass(frozen=True, slots=True)
class Rules:
    item: CatalogueItem
    version: CatalogueItemVersion


# --- reading -------------------------------------------------------------------------------------


def _applicant(principal: Principal, resident_id: uuid.UUID) -> bool:
    return access.resident_id_of(principal) == resident_id


def _sees(principal: Principal, filing: Filing) -> bool:
    """The applicant, hall staff whose scope covers the community, and the worker who filed it."""
    return (
        _applicant(principal, filing.resident_id)
        or access.hall_staff_of(principal, filing.community_code)
        or filing.filed_by_subject == principal.subject
    )


async def visible(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Application:
    """The application if the caller may see it; 404 otherwise (never confirmed either way)."""
    repository = ApplicationRepository(session)
    application = await repository.get(application_id, for_update=for_update)
    filing = await repository.filing(application.filing_id) if application else None
    if application is None or filing is None or not _sees(principal, filing):
        raise ApplicationNotFound()
    return application


async def _rules_of(
    session: AsyncSession, applications: Sequence[Application]
) -> dict[uuid.UUID, Rules]:
    """The item and the version each application was filed under, in two queries for a page."""
    pairs = {(a.item_id, a.item_version) for a in applications}
    items, versions = await CatalogueRepository(session).versions_of(pairs)
    # Versions are never deleted: every pair is there.
    return {
        a.id: Rules(items[a.item_id], versions[a.item_id, a.item_version]) for a in applications
    }


def read_application(
    application: Application, rules: Rules, *, today: date | None = None
) -> ApplicationRead:
    return ApplicationRead(
        id=application.id,
        filing_id=application.filing_id,
        item_id=application.item_id,
        item_code=rules.item.code,
        item_name=rules.version.name,
        item_version=application.item_version,
        community_code=application.community_code,
        owning_division=application.owning_division,
        resident_id=application.resident_id,
        status=application.status,
        returned_materials=list(application.returned_materials),
        allowed_moves=allowed_moves(application.status),
        clock=ClockRead.model_validate(clock(application, today=today)),
        fee_fen=rules.version.fee_fen,
        filed_at=application.filed_at,
        updated_at=application.updated_at,
    )


def _latest_files(files: Sequence[MaterialFile], codes: set[str]) -> list[MaterialFile]:
    """The newest file of each material code in `codes` (files come newest first)."""
    seen: dict[str, MaterialFile] = {}
    for file in files:
        if file.material_code in codes and file.material_code not in seen:
            seen[file.material_code] = file
    return sorted(seen.values(), key=lambda f: f.material_code)


def _codes(version: CatalogueItemVersion) -> set[str]:
    return {str(m["code"]) for m in version.materials}


async def detail(
    session: AsyncSession, *, principal: Principal, application_id: uuid.UUID
) -> ApplicationDetail:
    """The application, its clock, every step so far and the files it was filed with."""
    application = await visible(session, principal, application_id)
    repository = ApplicationRepository(session)
    rules = (await _rules_of(session, [application]))[application.id]
    files = _latest_files(await repository.files(application.filing_id), _codes(rules.version))
    return ApplicationDetail(
        **read_application(application, rules).model_dump(),
        timeline=[StepRead.model_validate(s) for s in await repository.steps(application.id)],
        materials=[MaterialRead.model_validate(f) for f in files],
    )


async def list_applications(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    status: ApplicationStatus | None,
    overdue: bool | None,
    supervised: bool,
    cursor: str | None,
    limit: int,
) -> Page[ApplicationRead]:
    """Residents: their own. Staff: those of the communities within `division` (default: their
    scope), or with `supervised`, those whose item their division owns (the overdue inbox)."""
    where: list[ColumnElement[bool]] = []
    if principal.has_role(*access.STAFF_ROLES):
        code = division or principal.scope
        principal.require_scope(code)
        column = Application.owning_division if supervised else Application.community_code
        where.append(within_division(column, code))
    elif principal.has_role(Role.GRID_WORKER):
        # A grid worker follows what they filed on their round.
        filed = select(Filing.id).where(Filing.filed_by_subject == principal.subject)
        where.append(Application.filing_id.in_(filed))
    else:
        principal.require_role(Role.RESIDENT, *access.FILING_STAFF)
        resident_id = access.resident_id_of(principal)
        if resident_id is None:
            return Page[ApplicationRead](items=[], next_cursor=None)
        where.append(Application.resident_id == resident_id)
    if status is not None:
        where.append(Application.status == status)
    if overdue is True:
        where.append(Application.overdue_at.is_not(None))
    elif overdue is False:
        where.append(Application.overdue_at.is_(None))
    rows = await ApplicationRepository(session).listing(
        where=where, after=LISTING.decode(cursor), limit=limit
    )
    rules = await _rules_of(session, rows)
    today = calendar.today()
    return LISTING.page(
        rows, limit=limit, read=lambda a: read_application(a, rules[a.id], today=today)
    )


async def filing_view(
    session: AsyncSession, *, principal: Principal, filing_id: uuid.UUID
) -> FilingRead:
    repository = ApplicationRepository(session)
    filing = await repository.filing(filing_id)
    if filing is None or not _sees(principal, filing):
        raise ApplicationNotFound()
    return await _read_filing(session, filing)


async def _read_filing(session: AsyncSession, filing: Filing) -> FilingRead:
    applications = await ApplicationRepository(session).of_filing(filing.id)
    rules = await _rules_of(session, applications)
    reads = [read_application(a, rules[a.id]) for a in applications]
    bundle = await session.get(Bundle, filing.bundle_id) if filing.bundle_id else None
    return FilingRead(
        id=filing.id,
        community_code=filing.community_code,
        resident_id=filing.resident_id,
        applicant_name_masked=filing.applicant_name_masked,
        channel=filing.channel,
        bundle_id=filing.bundle_id,
        bundle_code=bundle.code if bundle else None,
        service_point_id=filing.service_point_id,
        status=filing.status,
        held_up_by=[
            HeldUpBy(
                application_id=r.id, item_code=r.item_code, item_name=r.item_name, status=r.status
            )
            for r in reads
            if r.status is not ApplicationStatus.COMPLETED
        ],
        applications=reads,
        created_at=filing.created_at,
        completed_at=filing.completed_at,
    )


# --- filing --------------------------------------------------------------------------------------


async def _applicant_for(
    session: AsyncSession, principal: Principal, resident_id: uuid.UUID | None, channel: Channel
) -> tuple[KnownResident, Actor]:
    """Who the filing is for: the calling resident, or the resident a worker files for."""
    who = access.actor(principal)
    if principal.has_role(Role.RESIDENT) and not access.is_staff(principal):
        if resident_id is not None and resident_id != access.resident_id_of(principal):
            raise Forbidden("a resident files for themselves; a worker files for others")
        if channel not in RESIDENT_CHANNELS:
            raise NotOffered(
                "body.channel",
                f"a resident files online or by appointment, not through {channel.value}",
                "居民本人只能在线或预约申请",
            )
        return await access.calling_resident(session, principal), who
    principal.require_role(*access.FILING_STAFF)
    if resident_id is None:
        raise UnknownResident("a worker names the resident filed for (resident_id)")
    resident = await known_resident(session, resident_id)
    if resident is None:
        raise UnknownResident("the hall does not know this resident")
    principal.require_scope(resident.community_code)
    return resident, who


def _offered(rules: Rules, community: str, channel: Channel) -> None:
    if not any(community.startswith(d) for d in rules.version.divisions):
        raise NotOffered(
            "body.item_id",
            f"{rules.item.code} is not offered in community {community}",
            f"事项 {rules.item.code} 不在社区 {community} 办理",
        )
    if channel.value not in rules.version.channels:
        raise NotOffered(
            "body.channel",
            f"{rules.item.code} is not filed through {channel.value}",
            f"事项 {rules.item.code} 不支持此渠道",
        )


async def _items_of(
    session: AsyncSession, item_id: uuid.UUID | None, bundle_id: uuid.UUID | None
) -> tuple[Bundle | None, list[Rules]]:
    if (item_id is None) == (bundle_id is None):
        raise UnknownMaterial(
            "body.item_id", "name exactly one of item_id and bundle_id", "事项与一件事二选一"
        )
    catalogue = CatalogueRepository(session)
    if item_id is not None:
        found = await catalogue.current_many([item_id])
        if item_id not in found:
            raise ItemNotFound()
        return None, [Rules(*found[item_id])]
    bundle = await session.get(Bundle, bundle_id)
    if bundle is None:
        raise ItemNotFound("no such bundle")
    found = await catalogue.current_many(bundle.item_ids)
    return bundle, [Rules(*found[i]) for i in bundle.item_ids if i in found]


def _material_types(rules: Sequence[Rules]) -> dict[str, frozenset[str]]:
    """Each material code the filing asks for, with the file types every item asking it accepts."""
    types: dict[str, frozenset[str]] = {}
    for r in rules:
        for material in r.version.materials:
            accepted = frozenset(str(t) for t in material["types"])
            code = str(material["code"])
            types[code] = types[code] & accepted if code in types else accepted
    return types


def _check_uploads(rules: Sequence[Rules], uploads: Sequence[Upload]) -> None:
    """Known codes, once each, and every required material there: before any file is stored."""
    known = _material_types(rules)
    codes = [u.code for u in uploads]
    for code in codes:
        if code not in known:
            raise UnknownMaterial(
                "body.material_codes",
                f"no item of this filing asks for material {code!r}",
                f"本次申请不需要材料 {code!r}",
            )
    if len(set(codes)) != len(codes):
        raise UnknownMaterial(
            "body.material_codes", "each material is uploaded once", "每种材料只上传一次"
        )
    required = sorted(
        {str(m["code"]) for r in rules for m in r.version.materials if m.get("required", True)}
    )
    missing = [code for code in required if code not in codes]
    if missing:
        raise MissingMaterials(missing)


async def _served_at(session: AsyncSession, point_id: uuid.UUID, community: str) -> None:
    """A hall serves the residents of the communities it was opened for, and no others."""
    point = await session.get(ServicePoint, point_id)
    if point is None or community not in point.communities:
        raise NotOffered(
            "body.service_point_id",
            f"this service point does not serve community {community}",
            f"该服务中心不服务社区 {community}",
        )


# How far back a worker may enter a paper application received at the counter (补录).
BACK_ENTRY_DAYS = 60


def _received(principal: Principal, day: date, *, today: date) -> datetime:
    """When a worker enters a paper application received earlier, its clock starts that day."""
    if not access.is_staff(principal):
        raise BackEntryRefused("only workers enter applications received earlier")
    if day > today or (today - day).days > BACK_ENTRY_DAYS:
        raise BackEntryRefused(
            f"received_on lies in the future or over {BACK_ENTRY_DAYS} days back"
        )
    return datetime.combine(day, time(9, 0), tzinfo=calendar.SHANGHAI).astimezone(UTC)


async def _store(
    session: AsyncSession,
    files: FileStore,
    *,
    filing: Filing,
    upload: Upload,
    types: frozenset[str],
    max_bytes: int,
    who: Actor,
) -> MaterialFile:
    stored = await files.save(
        upload.file, FilePolicy(types=types, max_bytes=max_bytes), folder=f"filings/{filing.id}"
    )
    discard_on_rollback(session, files, stored.key)
    material = MaterialFile(
        id=new_id(),
        filing_id=filing.id,
        material_code=upload.code,
        key=stored.key,
        name=stored.name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        uploaded_by_role=who.role,
        uploaded_at=_now(),
    )
    session.add(material)
    return material


async def file(
    session: AsyncSession,
    files: FileStore,
    *,
    principal: Principal,
    item_id: uuid.UUID | None,
    bundle_id: uuid.UUID | None,
    channel: Channel,
    resident_id: uuid.UUID | None,
    uploads: Sequence[Upload],
    max_bytes: int,
    received_on: date | None = None,
    service_point_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> FilingRead:
    """File one item, or every item of a bundle, with one set of materials (a material several
    items ask for is uploaded once and shared). Every check runs before any file is stored; a
    file refused later (type, size) rolls the request back, its stored siblings with it."""
    resident, who = await _applicant_for(session, principal, resident_id, channel)
    bundle, rules = await _items_of(session, item_id, bundle_id)
    for r in rules:
        _offered(r, resident.community_code, channel)
    _check_uploads(rules, uploads)
    if service_point_id is not None:
        await _served_at(session, service_point_id, resident.community_code)
    now = now or _now()
    if received_on is not None:
        now = _received(principal, received_on, today=calendar.local_date(now))
    filing = Filing(
        community_code=resident.community_code,
        resident_id=resident.resident_id,
        applicant_name_masked=resident.name_masked,
        filed_by_subject=principal.subject,
        filed_by_role=who.role,
        channel=channel,
        bundle_id=bundle.id if bundle else None,
        service_point_id=service_point_id,
        status=FilingStatus.OPEN,
        created_at=now,
    )
    session.add(filing)
    await session.flush()
    types = _material_types(rules)
    for upload in uploads:
        await _store(
            session,
            files,
            filing=filing,
            upload=upload,
            types=types[upload.code],
            max_bytes=max_bytes,
            who=who,
        )
    filed_on = calendar.local_date(now)
    for position, r in enumerate(rules):
        application = Application(
            id=new_id(),
            position=position,
            filing_id=filing.id,
            item_id=r.item.id,
            item_version=r.version.version,
            community_code=resident.community_code,
            owning_division=r.item.owning_division,
            resident_id=resident.resident_id,
            status=ApplicationStatus.SUBMITTED,
            filed_at=now,
            filed_on=filed_on,
            promised_working_days=r.version.promised_working_days,
            paused_days=0,
            due_on=due_on(filed_on, r.version.promised_working_days, 0),
            created_at=now,
            updated_at=now,
        )
        session.add(application)
        await session.flush()
        _add_step(session, application, action="submit", before=None, who=who, note=None, at=now)
        await _record(
            session,
            ev.ApplicationSubmitted,
            application,
            filing,
            r.item,
            who,
            at=now,
            channel=channel.value,
            promised_working_days=application.promised_working_days,
        )
        await _arm(session, application)
    if bundle is not None:
        await bundles.record_filed(session, filing=filing, bundle=bundle, at=now)
    return await _read_filing(session, filing)


# --- materials after filing ----------------------------------------------------------------------


async def upload_material(
    session: AsyncSession,
    files: FileStore,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    upload: Upload,
    max_bytes: int,
) -> MaterialFile:
    """Another file for one of the application's materials (the one it was returned for): it
    supersedes the earlier file of that material for every item of the filing."""
    application = await visible(session, principal, application_id, for_update=True)
    if application.status in FINISHED:
        raise IllegalMove(
            action="upload materials to",
            state=application.status.value,
            allowed=allowed_moves(application.status),
        )
    rules = (await _rules_of(session, [application]))[application.id]
    known = {str(m["code"]): m for m in rules.version.materials}
    if upload.code not in known:
        raise UnknownMaterial(
            "body.material_code",
            f"{rules.item.code} asks for no material {upload.code!r}",
            f"该事项不需要材料 {upload.code!r}",
        )
    filing = await ApplicationRepository(session).filing(application.filing_id)
    assert filing is not None
    return await _store(
        session,
        files,
        filing=filing,
        upload=upload,
        types=frozenset(str(t) for t in known[upload.code]["types"]),
        max_bytes=max_bytes,
        who=access.actor(principal),
    )


async def material_file(
    session: AsyncSession, *, principal: Principal, file_id: uuid.UUID
) -> MaterialFile:
    """A file of a filing, for the applicant and hall staff of its community only (404 else)."""
    repository = ApplicationRepository(session)
    material = await repository.file(file_id)
    filing = await repository.filing(material.filing_id) if material else None
    if material is None or filing is None or not _sees(principal, filing):
        raise ApplicationNotFound("no such file")
    return material


# --- the steps -----------------------------------------------------------------------------------


_EVENTS: dict[Action, type[ev._ApplicationEvent]] = {
    Action.ACCEPT: ev.ApplicationAccepted,
    Action.START: ev.ApplicationStarted,
    Action.COMPLETE: ev.ApplicationCompleted,
    Action.REJECT: ev.ApplicationRejected,
    Action.RETURN: ev.ApplicationReturned,
    Action.RESUBMIT: ev.ApplicationResubmitted,
}


def _check_move(application: Application, action: Action) -> None:
    if not can(action, application.status):
        raise IllegalMove(
            action=action.value,
            state=application.status.value,
            allowed=allowed_moves(application.status),
        )


async def step(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    action: Action,
    note: str | None = None,
    returned: ReturnIn | None = None,
    now: datetime | None = None,
) -> ApplicationRead:
    """Accept, start, complete, reject or return: steps of hall staff of the community."""
    principal.require_role(*access.STAFF_ROLES)
    application = await visible(session, principal, application_id, for_update=True)
    if not access.hall_staff_of(principal, application.community_code):
        raise Forbidden("only hall staff of the application's community take this step")
    _check_move(application, action)
    now = now or _now()
    rules = (await _rules_of(session, [application]))[application.id]
    fields: dict[str, Any] = {}
    if action is Action.RETURN:
        assert returned is not None
        unknown = [c for c in returned.codes if c not in _codes(rules.version)]
        if unknown:
            raise UnknownMaterial(
                "body.materials",
                f"{rules.item.code} asks for no material {', '.join(unknown)}",
                f"该事项不需要材料 {'、'.join(unknown)}",
            )
        application.returned_from = application.status
        application.returned_materials = returned.codes
        application.returned_at = now
        application.paused_since = calendar.local_date(now)
        note = returned.note
        fields["materials"] = returned.codes
    if action in (Action.COMPLETE, Action.REJECT):
        application.finished_at = now
    if action is Action.COMPLETE:
        fields["working_days_used"] = clock(
            application, today=calendar.local_date(now)
        ).working_days_used
    await _move(
        session,
        application,
        rules.item,
        action,
        access.actor(principal),
        note=note,
        at=now,
        **fields,
    )
    if application.status not in ACTIVE:
        await cancel(session, kind=OVERDUE_TIMER, key=str(application.id))
    if application.status in FINISHED:
        await bundles.on_decided(session, filing_id=application.filing_id, at=now)
    return read_application(application, rules)


async def resubmit(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    now: datetime | None = None,
) -> ApplicationRead:
    """The applicant (or a worker for them) hands the returned application back once every
    material asked for has a file uploaded since: the clock resumes, the due date moves by the
    working days it stood."""
    application = await visible(session, principal, application_id, for_update=True)
    _check_move(application, Action.RESUBMIT)
    now = now or _now()
    repository = ApplicationRepository(session)
    since = application.returned_at or application.filed_at
    fresh = {
        f.material_code
        for f in await repository.files(application.filing_id)
        if f.uploaded_at > since
    }
    missing = [code for code in application.returned_materials if code not in fresh]
    if missing:
        raise MissingMaterials(missing)
    assert application.paused_since is not None and application.returned_from is not None
    paused = calendar.working_days_between(application.paused_since, calendar.local_date(now))
    application.paused_days += paused
    application.paused_since = None
    application.due_on = due_on(
        application.filed_on, application.promised_working_days, application.paused_days
    )
    target = application.returned_from
    application.returned_from = None
    application.returned_materials = []
    rules = (await _rules_of(session, [application]))[application.id]
    await _move(
        session,
        application,
        rules.item,
        Action.RESUBMIT,
        access.actor(principal),
        note=None,
        at=now,
        to=target,
        working_days_paused=application.paused_days,
    )
    await _arm(session, application)
    return read_application(application, rules)


async def on_overdue(session: AsyncSession, application_id: uuid.UUID, due: str) -> None:
    """The due date passed: escalate to the owning level's supervisor, once, unless the
    application was decided, returned or given a later due date meanwhile (the row lock makes a
    second replica, or a staff step at the same moment, see the state the first one left)."""
    application = await ApplicationRepository(session).get(application_id, for_update=True)
    if (
        application is None
        or application.status not in ACTIVE
        or application.overdue_at is not None
        or application.due_on.isoformat() != due
    ):
        return
    now = _now()
    application.overdue_at = now
    application.updated_at = now
    supervisor = access.level_of(application.owning_division)
    _add_step(
        session,
        application,
        action="overdue",
        before=application.status,
        who=SYSTEM,
        note=f"overdue since {due}: escalated to the {supervisor.value} supervisor",
        at=now,
    )
    item = await CatalogueRepository(session).item(application.item_id)
    filing = await ApplicationRepository(session).filing(application.filing_id)
    assert item is not None and filing is not None
    for copy_on in ("community", "supervisor"):
        await _record(
            session,
            ev.ApplicationOverdue,
            application,
            filing,
            item,
            SYSTEM,
            at=now,
            supervisor_level=supervisor,
            supervisor_division=application.owning_division,
            copy_on=copy_on,
        )


# --- shared steps --------------------------------------------------------------------------------


async def _move(
    session: AsyncSession,
    application: Application,
    item: CatalogueItem,
    action: Action,
    who: Actor,
    *,
    note: str | None,
    at: datetime,
    to: ApplicationStatus | None = None,
    **fields: Any,
) -> None:
    before = application.status
    target = MOVES[action][1] or to
    assert target is not None
    application.status = target
    application.updated_at = at
    _add_step(session, application, action=action.value, before=before, who=who, note=note, at=at)
    filing = await ApplicationRepository(session).filing(application.filing_id)
    assert filing is not None
    await _record(session, _EVENTS[action], application, filing, item, who, at=at, **fields)


async def _arm(session: AsyncSession, application: Application) -> None:
    """The overdue timer at the end of the due date (Shanghai)."""
    await schedule(
        session,
        kind=OVERDUE_TIMER,
        key=str(application.id),
        due_at=calendar.end_of(application.due_on),
        payload={"application_id": str(application.id), "due_on": application.due_on.isoformat()},
    )


def _add_step(
    session: AsyncSession,
    application: Application,
    *,
    action: str,
    before: ApplicationStatus | None,
    who: Actor,
    note: str | None,
    at: datetime,
) -> None:
    session.add(
        ApplicationStep(
            application_id=application.id,
            at=at,
            action=action,
            from_status=before.value if before is not None else None,
            to_status=application.status.value,
            actor_role=who.role,
            actor_name_masked=who.name_masked,
            note=note,
        )
    )


async def _record(
    session: AsyncSession,
    event_class: type[ev._ApplicationEvent],
    application: Application,
    filing: Filing,
    item: CatalogueItem,
    who: Actor,
    *,
    at: datetime,
    **fields: Any,
) -> None:
    event = event_class(
        community_code=application.community_code,
        application_id=application.id,
        filing_id=filing.id,
        bundle_id=filing.bundle_id,
        item_id=application.item_id,
        item_code=item.code,
        item_version=application.item_version,
        status=application.status.value,
        actor_role=who.role,
        due_on=application.due_on,
        at=at,
        **fields,
    )
    await events_of(session).record(event, subject_id=application.id)
