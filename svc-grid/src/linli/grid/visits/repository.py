"""Queries of visits: history by household, grid or division, and the households overdue one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.grid.models import RosterHousehold, Visit

HISTORY_ORDER = Keyset(Visit.visited_at, Visit.id, descending=True)
# The to-do list walks the grid as its worker does: by address.
UNVISITED_ORDER = Keyset(RosterHousehold.address, RosterHousehold.household_id)


class VisitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def history(
        self,
        *,
        division_prefix: str,
        household_id: uuid.UUID | None,
        grid_id: uuid.UUID | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Visit]:
        statement = select(Visit).where(within_division(Visit.community_code, division_prefix))
        if household_id is not None:
            statement = statement.where(Visit.household_id == household_id)
        if grid_id is not None:
            statement = statement.where(Visit.grid_id == grid_id)
        statement = HISTORY_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def unvisited(
        self, *, grid_id: uuid.UUID, since: datetime, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Any]:
        """Live households of the grid with no visit since `since`, with their last visit."""
        last = (
            select(func.max(Visit.visited_at))
            .where(Visit.household_id == RosterHousehold.household_id)
            .scalar_subquery()
        )
        statement: Select[*tuple[Any, ...]] = select(
            RosterHousehold.household_id,
            RosterHousehold.address,
            RosterHousehold.members,
            last.label("last_visited_at"),
        ).where(
            RosterHousehold.grid_id == grid_id,
            RosterHousehold.deleted_at.is_(None),
            RosterHousehold.address != "",
            or_(last.is_(None), last < since),
        )
        statement = UNVISITED_ORDER.paginate(statement, after=after, limit=limit)
        return list((await self.session.execute(statement)).all())
