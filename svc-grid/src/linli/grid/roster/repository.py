"""Queries of the household roster; the only place that knows its tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.grid.models.roster import RosterHousehold, RosterMember

# The roster lists households by community, then address (`3幢-2单元-501`), as a worker walks it.
HOUSEHOLD_ORDER = Keyset(
    RosterHousehold.community_code, RosterHousehold.address, RosterHousehold.household_id
)


class RosterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_household(
        self,
        *,
        household_id: uuid.UUID,
        community_code: str,
        grid_id: uuid.UUID | None,
        address: str,
        event_id: str,
    ) -> None:
        """Insert the household once; on a repeat only fill in a grid that was not known yet.

        The DO UPDATE branch always runs on a conflict, and so always locks the household's row:
        two residents of one household approved at once are counted one after the other.
        Address and community stay as first seen, so an old event delivered late rolls nothing back.
        """
        table = RosterHousehold.__table__
        statement = insert(RosterHousehold).values(
            household_id=household_id,
            community_code=community_code,
            grid_id=grid_id,
            address=address,
            members=0,
            first_seen_event_id=event_id,
        )
        fills_grid = table.c.grid_id.is_(None) & statement.excluded.grid_id.is_not(None)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.household_id],
            set_={
                "grid_id": func.coalesce(table.c.grid_id, statement.excluded.grid_id),
                "updated_at": case((fills_grid, func.now()), else_=table.c.updated_at),
            },
        )
        await self.session.execute(statement)

    async def add_member(
        self,
        *,
        resident_id: uuid.UUID,
        household_id: uuid.UUID,
        name_masked: str,
        joined_at: datetime,
    ) -> bool:
        """Insert the resident unless already there; whether a row was added."""
        statement = (
            insert(RosterMember)
            .values(
                resident_id=resident_id,
                household_id=household_id,
                name_masked=name_masked,
                joined_at=joined_at,
            )
            .on_conflict_do_nothing(index_elements=[RosterMember.resident_id])
            .returning(RosterMember.resident_id)
        )
        return (await self.session.execute(statement)).first() is not None

    async def apply_household(
        self,
        *,
        household_id: uuid.UUID,
        at: datetime,
        community_code: str,
        values: dict[str, Any],
        deleted: bool,
        event_id: str,
    ) -> None:
        """The household as household.* events describe it, whatever order they arrive in: each
        field from the latest event that carries it. A deletion leaves a tombstone that no
        event, late or not, takes away."""
        table = RosterHousehold.__table__
        row: dict[str, Any] = {
            "household_id": household_id,
            "community_code": community_code,
            "address": "",
            "members": 0,
            "first_seen_event_id": event_id,
            "last_event_at": at,
            **values,
        }
        if deleted:
            row["deleted_at"] = at
        if "address" in values:
            row["address_at"] = at
        statement = insert(RosterHousehold).values(**row)
        new = statement.excluded
        # Each event carries part of the household: its grid (all but deletion), its address and
        # community (creation and moves). A field takes the value of the latest event carrying
        # it, so an older creation delivered after a newer grid change still gives the address.
        newer = table.c.last_event_at.is_(None) | (table.c.last_event_at < new.last_event_at)
        changes: dict[str, Any] = {
            "last_event_at": func.greatest(table.c.last_event_at, new.last_event_at),
            "updated_at": func.now(),
        }
        if "grid_id" in values:
            changes["grid_id"] = case((newer, new.grid_id), else_=table.c.grid_id)
        if "address" in values:
            address_newer = table.c.address_at.is_(None) | (table.c.address_at < new.address_at)
            for name in ("address", "community_code"):
                changes[name] = case((address_newer, new[name]), else_=table.c[name])
            changes["address_at"] = func.greatest(table.c.address_at, new.address_at)
        if deleted:
            changes["deleted_at"] = func.coalesce(table.c.deleted_at, new.deleted_at)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.household_id], set_=changes
        )
        await self.session.execute(statement)

    async def ensure_household(
        self, *, household_id: uuid.UUID, community_code: str, event_id: str
    ) -> None:
        """A placeholder for a household a resident event names before its own event arrived
        (delivery order is not guaranteed); its household.created fills it in."""
        await self.session.execute(
            insert(RosterHousehold)
            .values(
                household_id=household_id,
                community_code=community_code,
                address="",
                members=0,
                first_seen_event_id=event_id,
            )
            .on_conflict_do_nothing(index_elements=[RosterHousehold.household_id])
        )

    async def member(self, resident_id: uuid.UUID) -> RosterMember | None:
        member: RosterMember | None = await self.session.scalar(
            select(RosterMember)
            .where(RosterMember.resident_id == resident_id)
            .execution_options(populate_existing=True)
        )
        return member

    async def apply_member(
        self,
        *,
        resident_id: uuid.UUID,
        household_id: uuid.UUID,
        at: datetime,
        values: dict[str, Any],
        deleted: bool,
    ) -> None:
        """The resident as a resident.* event at `at` describes them, unless a later one was
        applied already; a deletion (or a move out) leaves a tombstone."""
        table = RosterMember.__table__
        row: dict[str, Any] = {
            "resident_id": resident_id,
            "household_id": household_id,
            "name_masked": "*",
            "joined_at": at,
            "last_event_at": at,
            **values,
        }
        if deleted:
            row["deleted_at"] = at
        statement = insert(RosterMember).values(**row)
        changes: dict[str, Any] = {
            name: statement.excluded[name] for name in ("household_id", *values)
        }
        changes["last_event_at"] = statement.excluded.last_event_at
        if deleted:
            changes["deleted_at"] = statement.excluded.deleted_at
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.resident_id],
            set_=changes,
            where=table.c.last_event_at.is_(None)
            | (table.c.last_event_at < statement.excluded.last_event_at),
        )
        await self.session.execute(statement)

    async def recount_members(self, household_id: uuid.UUID) -> None:
        """Set `members` from the member rows: a count derived, never incremented, stays right."""
        count = (
            select(func.count())
            .select_from(RosterMember)
            .where(RosterMember.household_id == household_id, RosterMember.deleted_at.is_(None))
            .scalar_subquery()
        )
        await self.session.execute(
            update(RosterHousehold)
            .where(RosterHousehold.household_id == household_id)
            .where(RosterHousehold.members != count)
            .values(members=count, updated_at=func.now())
        )

    async def list_households(
        self, *, division_prefix: str, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[RosterHousehold]:
        """A page (and one row more) of the division's households in `HOUSEHOLD_ORDER`."""
        statement = select(RosterHousehold).where(
            within_division(RosterHousehold.community_code, division_prefix),
            RosterHousehold.deleted_at.is_(None),
        )
        statement = HOUSEHOLD_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def get_household(self, household_id: uuid.UUID) -> RosterHousehold | None:
        """The household, unless deleted (a tombstone is not shown)."""
        household = await self.session.get(RosterHousehold, household_id)
        return household if household is not None and household.deleted_at is None else None

    async def list_members(self, household_id: uuid.UUID) -> Sequence[RosterMember]:
        statement = (
            select(RosterMember)
            .where(RosterMember.household_id == household_id, RosterMember.deleted_at.is_(None))
            .order_by(RosterMember.joined_at, RosterMember.resident_id)
        )
        return (await self.session.scalars(statement)).all()
