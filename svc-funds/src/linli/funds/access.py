"""Who may do what in svc-funds: the roles that manage funds, and the fund a caller may manage.

One rule for refusals (ARCHITECTURE.md): a role that may never do it is 403; a fund outside the
caller's scope, named by its id, is 404 as if it did not exist. Reading a fund, its ledger and
its check needs no account at all: the money is the neighbours'.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.funds.funds.errors import FundNotFound
from linli.funds.funds.repository import FundRepository
from linli.funds.models import Fund

# Staff who open funds, seat their committees, post income and file payment requests, for the
# divisions their scope covers.
MANAGE_ROLES = (Role.COMMUNITY_WORKER, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_ADMIN)


async def any_fund(session: AsyncSession, fund_id: uuid.UUID, *, for_update: bool = False) -> Fund:
    """A fund anyone may read, 404 when there is none."""
    fund = await FundRepository(session).get(fund_id, for_update=for_update)
    if fund is None:
        raise FundNotFound()
    return fund


async def managed_fund(
    session: AsyncSession, principal: Principal, fund_id: uuid.UUID, *, for_update: bool = False
) -> Fund:
    """The fund to change: 403 for roles that never manage funds, 404 outside the scope."""
    principal.require_role(*MANAGE_ROLES)
    fund = await FundRepository(session).get(fund_id, for_update=for_update)
    if fund is None or not principal.covers(fund.division_code):
        raise FundNotFound()
    return fund
