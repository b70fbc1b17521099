"""Who may do what with incidents: the role tuples, who sees an incident, who handles it.

One rule for refusals (ARCHITECTURE.md): a role that may never do it is 403; an incident outside
the caller's reach, named by its id, is 404 as if it did not exist; a report placed in a scope
the caller does not hold is 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.divisions import Level
from linli.common.errors import Forbidden
from linli.grid.models import Incident, PlaceGrid
from linli.grid.places.errors import GridNotFound
from linli.grid.places.repository import PlaceRepository

# Escalation climbs these in order.
LEVELS = (Level.COMMUNITY, Level.STREET, Level.DISTRICT, Level.CITY)
# Who dispatches, closes, merges and escalates an incident at each level.
LEVEL_ROLE = {
    Level.COMMUNITY: Role.COMMUNITY_WORKER,
    Level.STREET: Role.STREET_ADMIN,
    Level.DISTRICT: Role.DISTRICT_ADMIN,
    Level.CITY: Role.CITY_ADMIN,
}
# Staff who read every incident of their scope (grid workers: only of their grids).
READ_ROLES = (*LEVEL_ROLE.values(), Role.AUDITOR)
# Who may report an incident: residents, grid workers on patrol, and departments.
REPORT_ROLES = (Role.RESIDENT, Role.GRID_WORKER, Role.PROPERTY_MANAGER, *LEVEL_ROLE.values())
# Categories and their SLA are the city's to set (ops on a fresh platform).
CATEGORY_ROLES = (Role.CITY_ADMIN, Role.OPS)

SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who takes a step, as the timeline shows it: a role and a masked name, never a clear one."""

    subject: str
    role: str
    name_masked: str | None = None


SYSTEM_ACTOR = Actor(subject=SYSTEM, role=SYSTEM)


async def grid_in_scope(
    session: AsyncSession, principal: Principal, grid_id: uuid.UUID
) -> PlaceGrid:
    """A grid of the caller's scope (404 otherwise, as if it did not exist)."""
    grid = await PlaceRepository(session).grid(grid_id)
    if grid is None or not principal.covers(grid.community_code):
        raise GridNotFound()
    return grid


def mask_name(name: str) -> str:
    """`张*`, `李**`: the first character kept, the rest hidden."""
    name = name.strip()
    return "*" if len(name) <= 1 else name[0] + "*" * (len(name) - 1)


def actor(principal: Principal, role: Role) -> Actor:
    name = principal.claims.get("name")
    return Actor(
        subject=principal.subject,
        role=role.value,
        name_masked=mask_name(name) if isinstance(name, str) and name.strip() else None,
    )


def sees(principal: Principal, incident: Incident, grids: Collection[uuid.UUID]) -> bool:
    """The reporter, staff of the scope, and grid workers of its grid (`grids`: the token's
    grids, resolved) or assigned to it."""
    if incident.reporter_subject == principal.subject:
        return True
    if not principal.covers(incident.community_code):
        return False
    if principal.has_role(*READ_ROLES):
        return True
    if principal.has_role(Role.GRID_WORKER):
        return incident.assignee_subject == principal.subject or (
            incident.grid_id is not None and incident.grid_id in grids
        )
    return False


def grid_worker_reach(principal: Principal, grids: Collection[uuid.UUID]) -> ColumnElement[bool]:
    """What a grid worker lists: incidents of their grids, and those dispatched to them."""
    return or_(Incident.grid_id.in_(list(grids)), Incident.assignee_subject == principal.subject)


def require_reader(principal: Principal) -> None:
    """403 for roles that never read incidents."""
    principal.require_role(*READ_ROLES, Role.GRID_WORKER, *REPORT_ROLES)


def handler_role(principal: Principal, incident: Incident) -> Role | None:
    """The level role the caller holds for the incident's current level, if any."""
    role = LEVEL_ROLE[incident.level]
    return role if principal.has_role(role) else None


def below_level(principal: Principal, incident: Incident) -> bool:
    """Whether the caller handles a level the incident has already left (it was escalated)."""
    current = LEVELS.index(incident.level)
    return any(principal.has_role(LEVEL_ROLE[level]) for level in LEVELS[:current])


def require_assignee(principal: Principal, incident: Incident) -> Actor:
    if incident.assignee_subject is None or incident.assignee_subject != principal.subject:
        raise Forbidden("only the handler the incident was dispatched to may do this")
    return actor(
        principal, Role.GRID_WORKER if principal.has_role(Role.GRID_WORKER) else _any(principal)
    )


def _any(principal: Principal) -> Role:
    return sorted(principal.roles, key=lambda r: r.value)[0]
