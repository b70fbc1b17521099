"""Who is who in the residents' voice: registered residents, the staff of each level, masked names.

One rule for refusals (ARCHITECTURE.md): a role that may never do it is 403; an object outside
the caller's reach, named by its id, is 404 as if it did not exist; an operation on a scope the
caller does not hold is 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from linli.common.auth import Principal, Role
from linli.common.divisions import Level
from linli.common.errors import Forbidden

# The staff of each level: they moderate, answer and publish for their division.
LEVEL_ROLE = {
    Level.COMMUNITY: Role.COMMUNITY_WORKER,
    Level.STREET: Role.STREET_ADMIN,
    Level.DISTRICT: Role.DISTRICT_ADMIN,
    Level.CITY: Role.CITY_ADMIN,
}
LEVEL_ROLES = tuple(LEVEL_ROLE.values())
# Staff who read what residents of their scope report and propose.
READ_ROLES = (*LEVEL_ROLES, Role.GRID_WORKER, Role.AUDITOR)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something, as records show it: a role and a masked name, never a clear one."""

    subject: str
    role: str
    name_masked: str | None = None


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


def resident_community(principal: Principal) -> str:
    """The community of a registered resident: their token's scope (403 before registration)."""
    principal.require_role(Role.RESIDENT)
    if len(principal.scope) != 12 or not principal.scope.isascii() or not principal.scope.isdigit():
        raise Forbidden("only a registered resident of a community may do this")
    return principal.scope


def level_role(principal: Principal) -> Role | None:
    """The level role the caller holds, the lowest first (a community worker before a street admin)."""
    return next((role for role in LEVEL_ROLES if principal.has_role(role)), None)


def staff_level(principal: Principal) -> Role:
    """403 unless the caller is the staff of a level."""
    principal.require_role(*LEVEL_ROLES)
    role = level_role(principal)
    assert role is not None
    return role


def reaches(division_code: str, community_code: str) -> bool:
    """A division's record reaches a community inside it (a street's reaches its communities)."""
    return community_code.startswith(division_code)
