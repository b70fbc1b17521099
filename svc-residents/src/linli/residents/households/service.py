"""Business rules of households: founding one in an empty dwelling, reading, listing, assigning
it to a grid and deleting it. Writes go through `writes`; who may do what is `access`."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.models import new_id
from linli.common.pagination import Page
from linli.residents.access import WRITE_ROLES, readable_household, viewer, writable_household
from linli.residents.ages import today_in_shanghai
from linli.residents.households import writes
from linli.residents.households.errors import DwellingOccupied
from linli.residents.households.repository import (
    HOUSEHOLD_ORDER,
    HouseholdRepository,
    ResidentRepository,
)
from linli.residents.households.schemas import (
    Deletion,
    HouseholdCreate,
    HouseholdRead,
    HouseholdUpdate,
    ResidentRead,
)
from linli.residents.models import Dwelling, Household


async def create_household(
    session: AsyncSession, *, principal: Principal, household_in: HouseholdCreate
) -> Household:
    """Found a household in an empty dwelling (409 when the dwelling has one)."""
    principal.require_role(*WRITE_ROLES)
    address = household_in.address
    dwelling = await writes.dwelling_for(
        session,
        principal,
        dwelling_id=household_in.dwelling_id,
        community_code=household_in.community_code,
        building=address.building if address else None,
        unit=address.unit if address else None,
        room=address.room if address else None,
    )
    await writes.grid_of_community(session, household_in.grid_id, dwelling.community_code)
    household = Household(
        id=new_id(),
        community_code=dwelling.community_code,
        dwelling=dwelling,
        grid_id=household_in.grid_id or dwelling.unit.building.grid_id,
    )
    if not await HouseholdRepository(session).add(household):
        raise DwellingOccupied("this dwelling already has a household")
    await writes.household_founded(session, household)
    return household


async def get_household(
    session: AsyncSession, *, principal: Principal, household_id: uuid.UUID
) -> HouseholdRead:
    """A household with its (masked) members."""
    household = await readable_household(session, principal, household_id)
    today = today_in_shanghai()
    members = await ResidentRepository(session).members(household.id)
    return HouseholdRead.from_model(
        household, members=[ResidentRead.from_model(m, today=today) for m in members]
    )


async def list_households(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    grid_id: uuid.UUID | None,
    building_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> Page[HouseholdRead]:
    reader = await viewer(session, principal)
    division = division or principal.scope
    principal.require_scope(division)
    where: list[ColumnElement[bool]] = []
    if reader.grids is not None:
        where.append(Household.grid_id.in_(reader.grids))
    if grid_id is not None:
        where.append(Household.grid_id == grid_id)
    if building_id is not None:
        where.append(
            Household.dwelling_id.in_(
                select(Dwelling.id).where(Dwelling.building_id == building_id)
            )
        )
    rows = await HouseholdRepository(session).list(
        division_prefix=division,
        where=where,
        after=HOUSEHOLD_ORDER.decode(cursor),
        limit=limit,
    )
    return HOUSEHOLD_ORDER.page(rows, limit=limit, read=HouseholdRead.from_model)


async def update_household(
    session: AsyncSession,
    *,
    principal: Principal,
    household_id: uuid.UUID,
    household_in: HouseholdUpdate,
) -> Household:
    """Assign the household (and its residents) to a grid of its community."""
    household = await writable_household(session, principal, household_id)
    changes = household_in.model_dump(exclude_unset=True)
    if "grid_id" not in changes or changes["grid_id"] == household.grid_id:
        return household
    await writes.set_household_grid(session, household=household, grid_id=changes["grid_id"])
    return household


async def delete_household(
    session: AsyncSession, *, principal: Principal, household_id: uuid.UUID, deletion: Deletion
) -> None:
    """An empty household leaves the registry; its dwelling is free again."""
    household = await writable_household(session, principal, household_id)
    await writes.remove_household(session, household=household, deletion=deletion, actor=principal)
