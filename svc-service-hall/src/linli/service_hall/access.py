"""Who may do what in the hall: the level roles, hall staff, and whose community a resident is of.

One rule for refusals (ARCHITECTURE.md): a role that may never do it is 403; an object outside
the caller's reach, named by its id, is 404 as if it did not exist; a creation or list in a scope
the caller does not hold is 403.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.divisions import LEVEL_LENGTH, DivisionCode, Level
from linli.common.errors import FieldError, Forbidden, InvalidInput, NotFound
from linli.service_hall.models import ResidentCopy
from linli.service_hall.residents.repository import ResidentCopies
from linli.service_hall.residents.service import KnownResident, known_resident

# Who owns catalogue items and supervises their applications at each level.
LEVEL_ROLE = {
    Level.COMMUNITY: Role.COMMUNITY_WORKER,
    Level.STREET: Role.STREET_ADMIN,
    Level.DISTRICT: Role.DISTRICT_ADMIN,
    Level.CITY: Role.CITY_ADMIN,
}
# Hall staff: handle applications of the communities in their scope.
STAFF_ROLES = tuple(LEVEL_ROLE.values())
# Who files at the counter, at home or on the grid worker's round for a resident.
FILING_STAFF = (*STAFF_ROLES, Role.GRID_WORKER)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who takes a step, as timelines show it: a role and a masked name, never a clear one."""

    subject: str
    role: str
    name_masked: str | None = None


SYSTEM = Actor(subject="system", role="system")


def mask_name(name: str) -> str:
    """`张*`, `李**`: the first character kept, the rest hidden."""
    name = name.strip()
    return "*" if len(name) <= 1 else name[0] + "*" * (len(name) - 1)


def actor(principal: Principal) -> Actor:
    name = principal.claims.get("name")
    role = next((r for r in (Role.RESIDENT, *FILING_STAFF) if principal.has_role(r)), None)
    return Actor(
        subject=principal.subject,
        role=(role or sorted(principal.roles, key=lambda r: r.value)[0]).value,
        name_masked=mask_name(name) if isinstance(name, str) and name.strip() else None,
    )


def is_staff(principal: Principal) -> bool:
    return principal.has_role(*FILING_STAFF)


def staff_of(principal: Principal, community_code: str) -> bool:
    """Hall staff (or a grid worker) whose scope covers the community: who may file there."""
    return is_staff(principal) and principal.covers(community_code)


def hall_staff_of(principal: Principal, community_code: str) -> bool:
    """Staff of a level whose scope covers the community: who handle (and read) its cases. A grid
    worker reads only what they filed or were assigned."""
    return principal.has_role(*STAFF_ROLES) and principal.covers(community_code)


def level_of(division_code: str) -> Level:
    return DivisionCode.parse(division_code).level


def require_owner(principal: Principal, division_code: str) -> None:
    """Staff of the division's own level and scope (a street's items: its street admin)."""
    role = LEVEL_ROLE[level_of(division_code)]
    principal.require_role(role)
    principal.require_scope(division_code)


def owner_code(community_code: str, level: Level) -> str:
    return community_code[: LEVEL_LENGTH[level]]


def resident_id_of(principal: Principal) -> uuid.UUID | None:
    if not principal.has_role(Role.RESIDENT) or not principal.resident_id:
        return None
    try:
        return uuid.UUID(principal.resident_id)
    except ValueError:
        return None


async def calling_resident(session: AsyncSession, principal: Principal) -> KnownResident:
    """The calling resident as the hall knows them (403 for a token with no known resident)."""
    resident_id = resident_id_of(principal)
    resident = await known_resident(session, resident_id) if resident_id else None
    if resident is None:
        raise Forbidden("the hall does not know this resident yet (not approved in the registry)")
    return resident


class ResidentNotFound(NotFound):
    """No such resident in the hall's copy of the registry, or one outside the caller's scope."""

    problem = "resident-not-found"
    title_en = "Resident not found"
    title_zh = "居民不存在"


# Who may take part for themselves: a resident, or a volunteer whose token names their resident.
SELF_ROLES = (Role.RESIDENT, Role.VOLUNTEER)


def own_resident_id(principal: Principal) -> uuid.UUID | None:
    if not principal.has_role(*SELF_ROLES) or not principal.resident_id:
        return None
    try:
        return uuid.UUID(principal.resident_id)
    except ValueError:
        return None


async def participant(
    session: AsyncSession, principal: Principal, resident_id: uuid.UUID | None
) -> ResidentCopy:
    """Who takes part: the caller themselves (a resident or volunteer the hall knows), or, named
    by `resident_id`, a resident of the staff's scope signed up at the counter (an elder without
    a phone). Staff naming a resident outside their scope: 404; a resident naming another: 403."""
    copies = ResidentCopies(session)
    if is_staff(principal):
        if resident_id is None:
            raise InvalidInput(
                "staff sign up a resident named by `resident_id`",
                errors=[
                    FieldError(
                        "body.resident_id", "missing", "required for staff", "工作人员须指定居民"
                    )
                ],
            )
        found = await copies.get(resident_id)
        if found is None or not principal.covers(found.community_code):
            raise ResidentNotFound()
        return found
    principal.require_role(*SELF_ROLES, *FILING_STAFF)
    own = own_resident_id(principal)
    if own is None:
        raise Forbidden("the hall does not know this resident yet (not approved in the registry)")
    if resident_id is not None and resident_id != own:
        raise Forbidden("residents take part for themselves only")
    found = await copies.get(own)
    if found is None:
        raise Forbidden("the hall does not know this resident yet (not approved in the registry)")
    return found


def age_in(resident: ResidentCopy, year: int) -> int | None:
    """The age a resident reaches in `year` (the registry sends the birth year only)."""
    return None if resident.birth_year is None else year - resident.birth_year
