"""Queries on moves, and the look-ups of a person's record that a move in needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.residents.models import (
    ChangeRequest,
    ChangeRequestStatus,
    DeletionReason,
    MoveKind,
    Resident,
    ResidentMove,
)


class MoveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, move: ResidentMove) -> ResidentMove:
        self.session.add(move)
        await self.session.flush()
        return move

    async def get(self, move_id: uuid.UUID) -> ResidentMove | None:
        return await self.session.get(ResidentMove, move_id)

    async def list(
        self,
        *,
        division_prefix: str,
        resident_id: uuid.UUID | None,
        kind: MoveKind | None,
        before: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[ResidentMove]:
        """Moves from or to the division, newest first."""
        statement = select(ResidentMove).where(
            or_(
                ResidentMove.from_community_code.startswith(division_prefix, autoescape=True),
                ResidentMove.to_community_code.startswith(division_prefix, autoescape=True),
            )
        )
        if resident_id is not None:
            statement = statement.where(ResidentMove.resident_id == resident_id)
        if kind is not None:
            statement = statement.where(ResidentMove.kind == kind)
        if before is not None:
            statement = statement.where(
                tuple_(ResidentMove.created_at, ResidentMove.id) < tuple_(*before)
            )
        statement = statement.order_by(
            ResidentMove.created_at.desc(), ResidentMove.id.desc()
        ).limit(limit)
        return (await self.session.scalars(statement)).all()

    async def live_person(self, id_number_index: str) -> Resident | None:
        """The live record of the person with this ID number, locked, wherever they live."""
        return (
            await self.session.scalars(
                select(Resident)
                .where(Resident.id_number_index == id_number_index, Resident.deleted_at.is_(None))
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).first()

    async def moved_out_person(self, id_number_index: str) -> Resident | None:
        """The person's most recent record kept after a move out, locked."""
        return (
            await self.session.scalars(
                select(Resident)
                .where(
                    Resident.id_number_index == id_number_index,
                    Resident.deletion_reason == DeletionReason.MOVED_OUT,
                )
                .order_by(Resident.deleted_at.desc())
                .limit(1)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).first()

    async def hand_over_change_requests(self, resident_id: uuid.UUID, community_code: str) -> None:
        """A pending change request follows its resident to the community that now reviews it."""
        await self.session.execute(
            update(ChangeRequest)
            .where(
                ChangeRequest.resident_id == resident_id,
                ChangeRequest.status == ChangeRequestStatus.PENDING,
            )
            .values(community_code=community_code)
        )
