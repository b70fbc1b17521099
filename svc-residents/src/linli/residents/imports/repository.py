"""Queries of bulk import: jobs and their bad rows, and the set-based storage of a whole file.

Storage goes through a temporary staging table filled with COPY (asyncpg's binary
`copy_records_to_table` on the session's own connection, so it is part of the transaction);
places, households and residents are then created from it with one INSERT … SELECT each,
`ON CONFLICT DO NOTHING` on the same unique names the registry's write path meets on. Each staged
row carries fresh candidate ids for its court, building, unit, dwelling and household: a place or
household whose stored id is one of them was created by this import, which is how its events are
found without a second bookkeeping table.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.divisions import Level
from linli.common.pagination import within_division
from linli.residents.imports.rows import Problem
from linli.residents.models import Division
from linli.residents.models.imports import (
    ACTIVE_IMPORT_STATUSES,
    ImportBadRow,
    ImportJob,
    ImportStatus,
)

STAGING = "import_staging"
# (name, type) of the staging table, in the order of the records COPY sends.
STAGING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("row", "integer"),
    ("community_code", 'varchar(12) COLLATE "C"'),
    ("court", "varchar(100)"),
    ("building", "varchar(32)"),
    ("unit", "varchar(32)"),
    ("room", "varchar(32)"),
    ("court_id", "uuid"),
    ("building_id", "uuid"),
    ("unit_id", "uuid"),
    ("dwelling_id", "uuid"),
    ("household_id", "uuid"),
    ("resident_id", "uuid"),
    ("name", "varchar(50)"),
    ("sex", "varchar(32)"),
    ("birth_date", "date"),
    ("id_number_cipher", "bytea"),
    ("id_number_index", "varchar(64)"),
    ("id_number_masked", "varchar(18)"),
    ("phone_cipher", "bytea"),
    ("phone_index", "varchar(64)"),
    ("phone_masked", "varchar(11)"),
    ("relation_to_head", "varchar(32)"),
    ("tags", "varchar(32)[]"),
)
StagedRecord = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class CreatedRow:
    """One staged row after storage, with what it created (None: the place already existed)."""

    row: int
    community_code: str
    court: str | None
    building: str
    unit: str
    room: str
    name: str
    sex: str
    birth_date: date
    tags: list[str]
    resident_id: uuid.UUID
    household_id: uuid.UUID
    grid_id: uuid.UUID | None
    court_created: uuid.UUID | None
    building_created: uuid.UUID | None
    building_court_id: uuid.UUID | None
    building_grid_id: uuid.UUID | None
    unit_created: uuid.UUID | None
    unit_building_id: uuid.UUID | None
    dwelling_created: uuid.UUID | None
    dwelling_unit_id: uuid.UUID | None
    dwelling_building_id: uuid.UUID | None
    household_created: uuid.UUID | None
    household_dwelling_id: uuid.UUID | None
    household_grid_id: uuid.UUID | None


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- jobs ------------------------------------------------------------------------------------

    async def add_job(self, job: ImportJob) -> bool:
        """Insert `job`; False when its creator already used its idempotency key."""
        values = {
            column.key: getattr(job, column.key)
            for column in ImportJob.__table__.columns
            if getattr(job, column.key, None) is not None
        }
        inserted = await self.session.scalar(
            insert(ImportJob)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_import_jobs_created_by_key")
            .returning(ImportJob.id)
        )
        return inserted is not None

    async def get_job(self, job_id: uuid.UUID) -> ImportJob | None:
        return await self.session.get(ImportJob, job_id, populate_existing=True)

    async def job_by_key(self, created_by: str, key: str) -> ImportJob | None:
        return (
            await self.session.scalars(
                select(ImportJob).where(
                    ImportJob.created_by == created_by, ImportJob.idempotency_key == key
                )
            )
        ).first()

    async def update_job(self, job_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(**values, updated_at=func.now(), heartbeat_at=func.now())
        )

    async def fail_stale(self, *, heartbeat_before: datetime, job_id: uuid.UUID | None) -> int:
        """Fail active jobs whose heartbeat stopped (their process died); one job, or all."""
        statement = (
            update(ImportJob)
            .where(
                ImportJob.status.in_(ACTIVE_IMPORT_STATUSES),
                ImportJob.heartbeat_at < heartbeat_before,
            )
            .values(
                status=ImportStatus.FAILED,
                error="the import stopped (its process ended); nothing was stored, upload again",
                finished_at=func.now(),
                updated_at=func.now(),
            )
        )
        if job_id is not None:
            statement = statement.where(ImportJob.id == job_id)
        result: Any = await self.session.execute(statement)
        return int(result.rowcount or 0)

    async def add_bad_rows(
        self, job_id: uuid.UUID, problems: Sequence[Problem], *, seq: int
    ) -> None:
        """COPY a batch of problems; `seq` numbers the first one."""
        await (await self._driver()).copy_records_to_table(
            ImportBadRow.__tablename__,
            columns=["job_id", "seq", "row", "column", "value", "code", "reason_en", "reason_zh"],
            records=[
                (job_id, seq + i, p.row, p.column, p.value, p.reason.code, p.reason_en, p.reason_zh)
                for i, p in enumerate(problems)
            ],
        )

    async def bad_rows(
        self, job_id: uuid.UUID, *, batch: int = 2000
    ) -> AsyncIterator[ImportBadRow]:
        """The job's bad rows in file order, fetched in pages (a report may list 100,000)."""
        after = -1
        while True:
            page = (
                await self.session.scalars(
                    select(ImportBadRow)
                    .where(ImportBadRow.job_id == job_id, ImportBadRow.seq > after)
                    .order_by(ImportBadRow.seq)
                    .limit(batch)
                )
            ).all()
            for bad in page:
                yield bad
            if len(page) < batch:
                return
            after = page[-1].seq

    # --- what validation needs from the registry -------------------------------------------------

    async def communities(self, prefix: str) -> set[str]:
        """Every community code under `prefix` (a city has a few thousand)."""
        return set(
            await self.session.scalars(
                select(Division.code).where(
                    Division.level == Level.COMMUNITY,
                    within_division(Division.code, prefix),
                )
            )
        )

    # --- storage ---------------------------------------------------------------------------------

    async def create_staging(self) -> None:
        columns = ", ".join(f"{name} {kind}" for name, kind in STAGING_COLUMNS)
        await self.session.execute(
            text(
                f"CREATE TEMPORARY TABLE {STAGING} ({columns}, dwelling_ref uuid, grid_ref uuid) "
                "ON COMMIT DROP"
            )
        )

    async def stage(self, records: Sequence[StagedRecord]) -> None:
        await (await self._driver()).copy_records_to_table(
            STAGING, columns=[name for name, _ in STAGING_COLUMNS], records=records
        )

    async def finish_staging(self) -> None:
        # A temporary table is never analyzed by autovacuum: without statistics the joins below
        # would be planned for a handful of rows.
        await self.session.execute(text(f"CREATE UNIQUE INDEX ON {STAGING} (row)"))
        await self.session.execute(text(f"ANALYZE {STAGING}"))

    async def staged_already_registered(self) -> list[int]:
        """Rows whose person became a resident after validation (a concurrent approval)."""
        rows = await self.session.scalars(
            text(
                f"SELECT s.row FROM {STAGING} s JOIN residents r "
                "ON r.id_number_index = s.id_number_index AND r.deleted_at IS NULL ORDER BY s.row"
            )
        )
        return list(rows)

    async def staged_communities(self) -> list[str]:
        return list(
            await self.session.scalars(text(f"SELECT DISTINCT community_code FROM {STAGING}"))
        )

    async def store_staged(self) -> int:
        """Courts, buildings, units, dwellings, households, then residents; the residents
        inserted (every staged row)."""
        for statement in _STORE_PLACES:
            await self.session.execute(text(statement))
        result: Any = await self.session.execute(text(_STORE_RESIDENTS))
        return int(result.rowcount or 0)

    async def collect_created(self) -> None:
        """What each staged row created, in one temporary table (read by `created_page`)."""
        for statement in _COLLECT_CREATED:
            await self.session.execute(text(statement))

    async def created_page(self, *, after: int, limit: int) -> list[CreatedRow]:
        rows = await self.session.execute(text(_CREATED_PAGE), {"after": after, "limit": limit})
        return [CreatedRow(*row) for row in rows.all()]

    async def created_counts(self) -> tuple[int, int]:
        """(households, places) this import created."""
        row = (await self.session.execute(text(_CREATED_COUNTS))).one()
        return int(row[0]), int(row[1])

    async def _driver(self) -> Any:
        """The asyncpg connection under the session's (same transaction)."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        return raw.driver_connection


_S = STAGING
_STORE_PLACES = (
    f"""
    INSERT INTO courts (id, community_code, name)
    SELECT DISTINCT ON (community_code, court) court_id, community_code, court
    FROM {_S} WHERE court IS NOT NULL
    ORDER BY community_code, court, row
    ON CONFLICT ON CONSTRAINT uq_courts_community_name DO NOTHING
    """,
    # A building's court: the first row that names one (validation refused differing ones).
    f"""
    INSERT INTO buildings (id, community_code, name, court_id)
    SELECT DISTINCT ON (s.community_code, s.building) s.building_id, s.community_code, s.building,
           c.id
    FROM {_S} s LEFT JOIN courts c ON c.community_code = s.community_code AND c.name = s.court
    ORDER BY s.community_code, s.building, s.court IS NULL, s.row
    ON CONFLICT ON CONSTRAINT uq_buildings_community_name DO NOTHING
    """,
    f"""
    INSERT INTO units (id, building_id, community_code, name)
    SELECT DISTINCT ON (b.id, s.unit) s.unit_id, b.id, s.community_code, s.unit
    FROM {_S} s JOIN buildings b ON b.community_code = s.community_code AND b.name = s.building
    ORDER BY b.id, s.unit, s.row
    ON CONFLICT ON CONSTRAINT uq_units_building_name DO NOTHING
    """,
    f"""
    INSERT INTO dwellings (id, unit_id, building_id, community_code, name)
    SELECT DISTINCT ON (u.id, s.room) s.dwelling_id, u.id, b.id, s.community_code, s.room
    FROM {_S} s
    JOIN buildings b ON b.community_code = s.community_code AND b.name = s.building
    JOIN units u ON u.building_id = b.id AND u.name = s.unit
    ORDER BY u.id, s.room, s.row
    ON CONFLICT ON CONSTRAINT uq_dwellings_unit_name DO NOTHING
    """,
    f"""
    UPDATE {_S} s SET dwelling_ref = d.id, grid_ref = b.grid_id
    FROM buildings b
    JOIN units u ON u.building_id = b.id
    JOIN dwellings d ON d.unit_id = u.id
    WHERE b.community_code = s.community_code AND b.name = s.building AND u.name = s.unit
      AND d.name = s.room
    """,
    # One live household per dwelling: an existing one is joined, as the write path does.
    f"""
    INSERT INTO households (id, community_code, dwelling_id, grid_id)
    SELECT DISTINCT ON (dwelling_ref) household_id, community_code, dwelling_ref, grid_ref
    FROM {_S}
    ORDER BY dwelling_ref, row
    ON CONFLICT (dwelling_id) WHERE deleted_at IS NULL DO NOTHING
    """,
)
_STORE_RESIDENTS = f"""
    INSERT INTO residents (
        id, household_id, community_code, grid_id, name, sex, birth_date,
        id_number_cipher, id_number_index, id_number_masked,
        phone_cipher, phone_index, phone_masked, relation_to_head, tags
    )
    SELECT s.resident_id, h.id, s.community_code, h.grid_id, s.name, s.sex, s.birth_date,
           s.id_number_cipher, s.id_number_index, s.id_number_masked,
           s.phone_cipher, s.phone_index, s.phone_masked, s.relation_to_head, s.tags
    FROM {_S} s JOIN households h ON h.dwelling_id = s.dwelling_ref AND h.deleted_at IS NULL
"""
# Joined once (hash joins over the whole import), then read in keyset pages without joins: a
# join per page would scan the registry's tables once per page.
_CREATED = "import_created"
_COLLECT_CREATED = (
    f"""
    CREATE TEMPORARY TABLE {_CREATED} ON COMMIT DROP AS
    SELECT s.row, s.community_code, s.court, s.building, s.unit, s.room, s.name, s.sex,
           s.birth_date, s.tags, r.id AS resident_id, r.household_id, r.grid_id,
           c.id AS court_created, b.id AS building_created, b.court_id AS building_court_id,
           b.grid_id AS building_grid_id, u.id AS unit_created, u.building_id AS unit_building_id,
           d.id AS dwelling_created, d.unit_id AS dwelling_unit_id,
           d.building_id AS dwelling_building_id, h.id AS household_created,
           h.dwelling_id AS household_dwelling_id, h.grid_id AS household_grid_id
    FROM {_S} s
    JOIN residents r ON r.id = s.resident_id
    LEFT JOIN courts c ON c.id = s.court_id
    LEFT JOIN buildings b ON b.id = s.building_id
    LEFT JOIN units u ON u.id = s.unit_id
    LEFT JOIN dwellings d ON d.id = s.dwelling_id
    LEFT JOIN households h ON h.id = s.household_id
    """,
    f"CREATE UNIQUE INDEX ON {_CREATED} (row)",
)
_CREATED_PAGE = f"SELECT * FROM {_CREATED} WHERE row > :after ORDER BY row LIMIT :limit"
_CREATED_COUNTS = f"""
    SELECT
        (SELECT count(*) FROM households WHERE id IN (SELECT household_id FROM {_S})),
        (SELECT count(*) FROM courts WHERE id IN (SELECT court_id FROM {_S}))
        + (SELECT count(*) FROM buildings WHERE id IN (SELECT building_id FROM {_S}))
        + (SELECT count(*) FROM units WHERE id IN (SELECT unit_id FROM {_S}))
        + (SELECT count(*) FROM dwellings WHERE id IN (SELECT dwelling_id FROM {_S}))
"""
