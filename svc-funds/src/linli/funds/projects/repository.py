"""Queries on projects: the rows, their approvals, and what was raised and spent for them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset
from linli.funds.models import (
    Donation,
    DonationStatus,
    PaymentRequest,
    PaymentStatus,
    Project,
    ProjectApproval,
    ProjectPhoto,
    ProjectStatus,
    ProjectUpdate,
)

PROJECT_ORDER = Keyset(Project.created_at, Project.id, descending=True)
UPDATE_ORDER = Keyset(ProjectUpdate.created_at, ProjectUpdate.id, descending=True)
# Each update's photos, oldest first.
Photos = dict[uuid.UUID, list[ProjectPhoto]]


@dataclass(frozen=True, slots=True)
class Tally:
    raised_fen: int = 0
    donors: int = 0
    spent_fen: int = 0
    approvals: int = 0


class ProjectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, project_id: uuid.UUID, *, for_update: bool = False) -> Project | None:
        """With `for_update`, votes and donations of one project queue here (FOR NO KEY
        UPDATE: rows referencing the project, a pledge, do not block it, see `lock_head`)."""
        return await self.session.get(
            Project,
            project_id,
            with_for_update={"key_share": True} if for_update else None,
            populate_existing=for_update,
        )

    async def list(
        self,
        fund_id: uuid.UUID,
        *,
        status: ProjectStatus | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Project]:
        statement = select(Project).where(Project.fund_id == fund_id)
        if status is not None:
            statement = statement.where(Project.status == status)
        statement = PROJECT_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def tallies(self, project_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Tally]:
        """Per project: donations received, payments paid, approvals given."""
        if not project_ids:
            return {}
        raised = dict(
            (row[0], (int(row[1]), int(row[2])))
            for row in await self.session.execute(
                select(Donation.project_id, func.sum(Donation.amount_fen), func.count())
                .where(
                    Donation.project_id.in_(project_ids),
                    Donation.status == DonationStatus.RECEIVED,
                )
                .group_by(Donation.project_id)
            )
        )
        spent = dict(
            (row[0], int(row[1]))
            for row in await self.session.execute(
                select(PaymentRequest.project_id, func.sum(PaymentRequest.amount_fen))
                .where(
                    PaymentRequest.project_id.in_(project_ids),
                    PaymentRequest.status == PaymentStatus.PAID,
                )
                .group_by(PaymentRequest.project_id)
            )
        )
        approvals = dict(
            (row[0], int(row[1]))
            for row in await self.session.execute(
                select(ProjectApproval.project_id, func.count())
                .where(ProjectApproval.project_id.in_(project_ids))
                .group_by(ProjectApproval.project_id)
            )
        )
        return {
            project_id: Tally(
                raised_fen=raised.get(project_id, (0, 0))[0],
                donors=raised.get(project_id, (0, 0))[1],
                spent_fen=spent.get(project_id, 0),
                approvals=approvals.get(project_id, 0),
            )
            for project_id in project_ids
        }

    async def pending_payments(self, project_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count()).where(
                PaymentRequest.project_id == project_id,
                PaymentRequest.status == PaymentStatus.PENDING,
            )
        )
        return int(count or 0)

    async def updates(
        self, project_id: uuid.UUID, *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[ProjectUpdate]:
        statement = select(ProjectUpdate).where(ProjectUpdate.project_id == project_id)
        statement = UPDATE_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def update(self, project_id: uuid.UUID, update_id: uuid.UUID) -> ProjectUpdate | None:
        return (
            await self.session.scalars(
                select(ProjectUpdate).where(
                    ProjectUpdate.id == update_id, ProjectUpdate.project_id == project_id
                )
            )
        ).one_or_none()

    async def photos(self, update_ids: Sequence[uuid.UUID]) -> Photos:
        found: Photos = {update_id: [] for update_id in update_ids}
        rows = await self.session.scalars(
            select(ProjectPhoto)
            .where(ProjectPhoto.update_id.in_(update_ids))
            .order_by(ProjectPhoto.created_at, ProjectPhoto.id)
        )
        for photo in rows:
            found[photo.update_id].append(photo)
        return found

    async def photo(self, project_id: uuid.UUID, photo_id: uuid.UUID) -> ProjectPhoto | None:
        """A photo of one of the project's updates (None for another project's)."""
        return (
            await self.session.scalars(
                select(ProjectPhoto)
                .join(ProjectUpdate, ProjectUpdate.id == ProjectPhoto.update_id)
                .where(ProjectPhoto.id == photo_id, ProjectUpdate.project_id == project_id)
            )
        ).one_or_none()
