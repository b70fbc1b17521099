"""The funds' statistics of a division (一表通's money part): for staff of a level, within scope."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.funds.access import MANAGE_ROLES
from linli.funds.committees.service import BUSINESS_TIMEZONE, today
from linli.funds.reports.service import month_bounds
from linli.funds.stats.repository import StatsRepository
from linli.funds.stats.schemas import FundStats

# A fund's own figures are public, but a division's totals are an office's report: the staff
# who manage funds, and auditors, read them for their scope.
READ_ROLES = (*MANAGE_ROLES, Role.AUDITOR)


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BUSINESS_TIMEZONE)


async def stats(
    session: AsyncSession, *, principal: Principal, division: str | None, month: str | None
) -> FundStats:
    principal.require_role(*READ_ROLES)
    prefix = division or principal.scope
    principal.require_scope(prefix)
    month = month or today().strftime("%Y-%m")
    first, following = month_bounds(month)
    totals = await StatsRepository(session).totals(prefix, _moment(first), _moment(following))
    return FundStats(
        division=prefix,
        month=month,
        funds=totals.funds,
        balance_fen=totals.balance_fen,
        inflow_fen=totals.inflow_fen,
        outflow_fen=totals.outflow_fen,
        entries_in_month=totals.entries,
    )
