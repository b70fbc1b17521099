"""Who may do what in this service: the role tuples, the reader a principal is, which records they
see or change, and which code names an imported community.

One rule for refusals (ARCHITECTURE.md): a role that may never do it is 403; a record outside the
caller's reach, named by its id, is 404 as if it did not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.divisions import Level
from linli.common.errors import Forbidden
from linli.residents.divisions.errors import UnknownCommunity
from linli.residents.divisions.repository import DivisionRepository
from linli.residents.households.errors import HouseholdNotFound, ResidentNotFound
from linli.residents.households.repository import HouseholdRepository, ResidentRepository
from linli.residents.models import (
    Building,
    Court,
    Division,
    Dwelling,
    Grid,
    Household,
    Resident,
    Unit,
)
from linli.residents.places.errors import PlaceNotFound
from linli.residents.places.repository import PlaceRepository, PlaceT

# Community workers and the street, district and city admins above them: they manage places,
# review registrations, import residents and read moves of the communities their scope covers.
MANAGE_ROLES = (Role.COMMUNITY_WORKER, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_ADMIN)
# Staff who read places, the registry and its figures: grid workers only of their own grids.
READ_ROLES = (*MANAGE_ROLES, Role.GRID_WORKER)
# Statistics are counts, no person in them: auditors (and the gateway's peer averages, which ask
# as an auditor of the level above) read them too.
STATS_ROLES = (*READ_ROLES, Role.AUDITOR)
# Who changes the registry (and decides residents' change requests): the community's own workers.
WRITE_ROLES = (Role.COMMUNITY_WORKER,)
# Only the community's own workers need the clear ID number and phone (to check documents).
REVEAL_ROLES = (Role.COMMUNITY_WORKER,)
# Each side of a move acts on what its scope holds (see `moves.service`).
MOVE_ROLES = (Role.COMMUNITY_WORKER, Role.STREET_ADMIN)
# The division tree is imported from above a community; ops load it on a fresh platform.
DIVISION_IMPORT_ROLES = (Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.STREET_ADMIN, Role.OPS)

Place = Grid | Court | Building | Unit | Dwelling


@dataclass(frozen=True, slots=True)
class Viewer:
    """What a reader may see: the scope prefix and, for a grid worker, only their grids."""

    principal: Principal
    grids: frozenset[uuid.UUID] | None  # None: every place of the scope

    def sees(self, place: Place) -> bool:
        if not self.principal.covers(place.community_code):
            return False
        if self.grids is None:
            return True
        match place:
            case Grid():
                return place.id in self.grids
            case Building():
                return place.grid_id in self.grids
            case Unit():
                return place.building.grid_id in self.grids
            case Dwelling():
                return place.unit.building.grid_id in self.grids
            case Court():
                return True  # checked with a query in `visible_place`

    def sees_record(self, community_code: str, grid_id: uuid.UUID | None) -> bool:
        """A household or resident of the scope, and of the reader's grids for a grid worker."""
        if not self.principal.covers(community_code):
            return False
        return self.grids is None or grid_id in self.grids


async def viewer(session: AsyncSession, principal: Principal) -> Viewer:
    """The caller as a reader of places and of the registry: 403 for roles that never read."""
    principal.require_role(*READ_ROLES)
    if principal.has_role(*MANAGE_ROLES):
        return Viewer(principal, None)
    grids = await PlaceRepository(session).resolve_grid_ids(principal.grid_ids)
    return Viewer(principal, frozenset(grids))


async def imported_community(session: AsyncSession, code: str) -> Division:
    """The community named by `code`, 422 unless the division tree holds it as a community."""
    division = await DivisionRepository(session).get(code)
    if division is None or division.level is not Level.COMMUNITY:
        raise UnknownCommunity(code)
    return division


# --- places --------------------------------------------------------------------------------------


async def visible_place(
    session: AsyncSession, principal: Principal, model: type[PlaceT], place_id: uuid.UUID
) -> PlaceT:
    """A place the caller may read: 403 for roles that never read, 404 out of their reach."""
    reader = await viewer(session, principal)
    place = await PlaceRepository(session).get(model, place_id)
    if place is None or not reader.sees(place):
        raise PlaceNotFound()
    if isinstance(place, Court) and reader.grids is not None:
        held = exists().where(Building.court_id == place.id, Building.grid_id.in_(reader.grids))
        if not await session.scalar(select(held)):
            raise PlaceNotFound()
    return place


async def managed_place(
    session: AsyncSession, principal: Principal, model: type[PlaceT], place_id: uuid.UUID
) -> PlaceT:
    """The place to change: 403 for roles that never manage places, 404 outside the scope."""
    principal.require_role(*MANAGE_ROLES)
    place = await PlaceRepository(session).get(model, place_id, for_update=True)
    if place is None or not principal.covers(place.community_code):
        raise PlaceNotFound()
    return place


# --- households and residents --------------------------------------------------------------------


def owns(principal: Principal, resident: Resident) -> bool:
    """A resident's own record, or one their account registered (a member of their household)."""
    return principal.has_role(Role.RESIDENT) and (
        principal.resident_id == str(resident.id) or resident.account_subject == principal.subject
    )


async def staff_reader(session: AsyncSession, principal: Principal) -> Viewer | None:
    """The staff reader, None for a resident (who sees only their own), 403 for other roles."""
    if principal.has_role(*READ_ROLES):
        return await viewer(session, principal)
    if principal.has_role(Role.RESIDENT):
        return None
    raise Forbidden("this operation needs a staff role of the registry, or a resident's own record")


async def readable_resident(
    session: AsyncSession, principal: Principal, resident_id: uuid.UUID
) -> Resident:
    reader = await staff_reader(session, principal)
    resident = await ResidentRepository(session).get(resident_id)
    if resident is None:
        raise ResidentNotFound()
    if owns(principal, resident):
        return resident
    if reader is None or not reader.sees_record(resident.community_code, resident.grid_id):
        raise ResidentNotFound()
    return resident


async def writable_resident(
    session: AsyncSession, principal: Principal, resident_id: uuid.UUID
) -> Resident:
    principal.require_role(*WRITE_ROLES)
    resident = await ResidentRepository(session).get(resident_id, for_update=True)
    if resident is None or not principal.covers(resident.community_code):
        raise ResidentNotFound()
    return resident


async def readable_household(
    session: AsyncSession, principal: Principal, household_id: uuid.UUID
) -> Household:
    reader = await staff_reader(session, principal)
    household = await HouseholdRepository(session).get(household_id)
    if household is None:
        raise HouseholdNotFound()
    if reader is None:
        # A resident sees the household they live in.
        mine = await ResidentRepository(session).members(household.id)
        if not any(owns(principal, member) for member in mine):
            raise HouseholdNotFound()
        return household
    if not reader.sees_record(household.community_code, household.grid_id):
        raise HouseholdNotFound()
    return household


async def writable_household(
    session: AsyncSession, principal: Principal, household_id: uuid.UUID
) -> Household:
    principal.require_role(*WRITE_ROLES)
    household = await HouseholdRepository(session).get(household_id, for_update=True)
    if household is None or not principal.covers(household.community_code):
        raise HouseholdNotFound()
    return household
