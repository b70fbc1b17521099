"""Queries on moves, and the look-ups of a person's record that a move in needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.residents.models import (
    ChangeRequest,
    ChangeRequestStatus,
    DeletionReason,
    MoveKind,
    Resident,
    ResidentMove,
)

# Moves are listed newest first.
MOVE_ORDER = Keyset(ResidentMove.created_at, ResidentMove.id, descending=True)


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
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[ResidentMove]:
        """A page (and one row more) of moves from or to the division, in `MOVE_ORDER`."""
        statement = select(ResidentMove).where(
            or_(
                within_division(ResidentMove.from_community_code, division_prefix),
                within_division(ResidentMove.to_community_code, division_prefix),
            )
        )
        if resident_id is not None:
            statement = statement.where(ResidentMove.resident_id == resident_id)
        if kind is not None:
            statement = statement.where(ResidentMove.kind == kind)
        statement = MOVE_ORDER.paginate(statement, after=after, limit=limit)
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
