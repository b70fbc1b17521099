"""Queries of the residents read model; the only place that knows its tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.service_hall.models import HouseholdCopy, ResidentCopy

# The field groups an event may carry, each with the column keeping its latest event's time.
GROUPS: dict[str, tuple[str, ...]] = {
    "place_at": ("household_id", "community_code"),
    "tags_at": ("tags",),
    "name_at": ("name_masked",),
}


class ResidentCopies:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def apply(
        self,
        *,
        resident_id: uuid.UUID,
        at: datetime,
        community_code: str,
        values: dict[str, Any],
        leaves: bool = False,
        deleted: bool = False,
        arrives: bool = False,
    ) -> None:
        """Upsert the fields `values` carries, each group only if this event is newer than the
        one that last gave it; `leaves` sets the tombstone, `arrives` (a move in) lifts an older
        one unless the resident was deleted for good."""
        table = ResidentCopy.__table__
        row: dict[str, Any] = {"resident_id": resident_id, "community_code": community_code}
        row.update(values)
        changes: dict[str, Any] = {"updated_at": func.now()}
        for stamp, fields in GROUPS.items():
            if any(name in values for name in fields):
                row[stamp] = at
        if leaves:
            row["left_at"] = at
        if deleted:
            row["deleted"] = True
        statement = insert(ResidentCopy).values(**row)
        new = statement.excluded
        for stamp, fields in GROUPS.items():
            carried = [name for name in fields if name in values]
            if not carried:
                continue
            newer = table.c[stamp].is_(None) | (table.c[stamp] < new[stamp])
            for name in carried:
                changes[name] = case((newer, new[name]), else_=table.c[name])
            changes[stamp] = func.greatest(table.c[stamp], new[stamp])
        if "birth_year" in values:
            # Only resident.created carries it, and a birth year does not change: never unset.
            changes["birth_year"] = func.coalesce(new.birth_year, table.c.birth_year)
        if leaves:
            changes["left_at"] = func.greatest(table.c.left_at, new.left_at)
        if deleted:
            changes["deleted"] = True
        if arrives:
            changes["left_at"] = case((table.c.left_at < at, None), else_=table.c.left_at)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=[table.c.resident_id], set_=changes)
        )

    async def get(self, resident_id: uuid.UUID) -> ResidentCopy | None:
        """The resident, unless they left or were deleted (a tombstone is not a resident)."""
        resident = await self.session.get(ResidentCopy, resident_id, populate_existing=True)
        if resident is None or resident.left_at is not None or resident.deleted:
            return None
        return resident

    async def apply_household(
        self,
        *,
        household_id: uuid.UUID,
        at: datetime,
        community_code: str,
        address: str | None,
        deleted: bool = False,
    ) -> None:
        table = HouseholdCopy.__table__
        row: dict[str, Any] = {
            "household_id": household_id,
            "community_code": community_code,
            "address": address or "",
        }
        if address is not None:
            row["address_at"] = at
        if deleted:
            row["deleted_at"] = at
        statement = insert(HouseholdCopy).values(**row)
        new = statement.excluded
        changes: dict[str, Any] = {"updated_at": func.now()}
        if address is not None:
            newer = table.c.address_at.is_(None) | (table.c.address_at < new.address_at)
            for name in ("address", "community_code"):
                changes[name] = case((newer, new[name]), else_=table.c[name])
            changes["address_at"] = func.greatest(table.c.address_at, new.address_at)
        if deleted:
            changes["deleted_at"] = func.coalesce(table.c.deleted_at, new.deleted_at)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=[table.c.household_id], set_=changes)
        )

    async def household(self, household_id: uuid.UUID) -> HouseholdCopy | None:
        household = await self.session.get(HouseholdCopy, household_id, populate_existing=True)
        return household if household is not None and household.deleted_at is None else None
