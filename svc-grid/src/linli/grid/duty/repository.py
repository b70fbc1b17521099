"""Queries of assignments and duty shifts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, delete, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.grid.models import DutyShift, GridWorker


class DutyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def assign(self, worker: GridWorker) -> bool:
        """Assign, or rename an existing assignment; True when it is new."""
        statement: Any = (
            insert(GridWorker)
            .values(
                grid_id=worker.grid_id,
                worker_subject=worker.worker_subject,
                community_code=worker.community_code,
                name_masked=worker.name_masked,
            )
            .on_conflict_do_update(
                index_elements=[GridWorker.grid_id, GridWorker.worker_subject],
                set_={"name_masked": worker.name_masked},
            )
            # xmax is 0 only on a freshly inserted row: insert and update told apart in one trip.
            .returning(literal_column("xmax = 0", Boolean))
        )
        return bool(await self.session.scalar(statement))

    async def unassign(self, grid_id: uuid.UUID, worker_subject: str) -> bool:
        result = await self.session.execute(
            delete(GridWorker).where(
                GridWorker.grid_id == grid_id, GridWorker.worker_subject == worker_subject
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def worker(self, grid_id: uuid.UUID, worker_subject: str) -> GridWorker | None:
        return await self.session.get(GridWorker, (grid_id, worker_subject))

    async def serves_community(self, worker_subject: str, community_code: str) -> bool:
        """Whether the worker serves any grid of the community."""
        found = await self.session.scalar(
            select(GridWorker.grid_id)
            .where(
                GridWorker.worker_subject == worker_subject,
                GridWorker.community_code == community_code,
            )
            .limit(1)
        )
        return found is not None

    async def workers(self, grid_id: uuid.UUID) -> Sequence[GridWorker]:
        return (
            await self.session.scalars(
                select(GridWorker)
                .where(GridWorker.grid_id == grid_id)
                .order_by(GridWorker.assigned_at, GridWorker.worker_subject)
            )
        ).all()

    async def on_duty(
        self, *, grid_id: uuid.UUID | None, community_code: str, at: datetime
    ) -> DutyShift | None:
        """The shift covering `at` of the grid (or, with no grid, the community's); the latest
        started wins where shifts overlap (a replacement scheduled over a shift)."""
        statement = select(DutyShift).where(
            DutyShift.community_code == community_code,
            DutyShift.starts_at <= at,
            DutyShift.ends_at > at,
        )
        statement = statement.where(
            DutyShift.grid_id == grid_id if grid_id is not None else DutyShift.grid_id.is_(None)
        )
        shift: DutyShift | None = await self.session.scalar(
            statement.order_by(DutyShift.starts_at.desc(), DutyShift.created_at.desc()).limit(1)
        )
        return shift
