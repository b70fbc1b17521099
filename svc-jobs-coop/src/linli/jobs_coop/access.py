"""Who may do what in the cooperative.

Coordinators are community workers and street, district or city admins, for the communities
their scope covers; an `enterprise` login acts for the one enterprise its account is linked to;
a resident acts for their own place in the pool. An object outside the caller's reach, named by
its id, is 404 as if it did not exist; a role that may never do it is 403 (ARCHITECTURE.md).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.errors import Forbidden
from linli.jobs_coop.models import Enterprise, EnterpriseAccount, Member

COORDINATOR_ROLES = (Role.COMMUNITY_WORKER, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_ADMIN)
# Who reads the cooperative's statistics for their scope.
READER_ROLES = (*COORDINATOR_ROLES, Role.AUDITOR)


def is_coordinator(principal: Principal) -> bool:
    return principal.has_role(*COORDINATOR_ROLES)


def require_coordinator(principal: Principal) -> None:
    principal.require_role(*COORDINATOR_ROLES)


async def enterprise_of(session: AsyncSession, principal: Principal) -> Enterprise | None:
    """The enterprise an `enterprise` login acts for; None for any other caller."""
    if not principal.has_role(Role.ENTERPRISE):
        return None
    return await session.scalar(
        select(Enterprise)
        .join(EnterpriseAccount, EnterpriseAccount.enterprise_id == Enterprise.id)
        .where(EnterpriseAccount.subject == principal.subject)
    )


async def require_enterprise(session: AsyncSession, principal: Principal) -> Enterprise:
    """403 unless the caller is an enterprise login linked to an enterprise."""
    principal.require_role(Role.ENTERPRISE)
    enterprise = await enterprise_of(session, principal)
    if enterprise is None:
        raise Forbidden("this enterprise login is not linked to an enterprise yet")
    return enterprise


async def member_of(session: AsyncSession, principal: Principal) -> Member | None:
    """The pool member a resident's login is; None for anyone else."""
    if not principal.has_role(Role.RESIDENT):
        return None
    return await session.scalar(select(Member).where(Member.account_subject == principal.subject))


def same_id(left: uuid.UUID | None, right: uuid.UUID | None) -> bool:
    return left is not None and left == right
