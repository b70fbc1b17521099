"""The funds' statistics of a division (一表通's money part): for staff of a level, within scope."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.funds.access import MANAGE_ROLES
from linli.funds.committees.service import BUSINESS_TIMEZONE, today
from linli.funds.reports.service import month_bounds
from linli.funds.stats.repository import StatsRepository, Totals
from linli.funds.stats.schemas import FundFigures, FundStats

# A fund's own figures are public, but a division's totals are an office's report: the staff
# who manage funds, and auditors, read them for their scope.
READ_ROLES = (*MANAGE_ROLES, Role.AUDITOR)


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BUSINESS_TIMEZONE)


def _figures(division: str, month: str, totals: Totals) -> dict[str, Any]:
    return {
        "division": division,
        "month": month,
        "funds": totals.funds,
        "balance_fen": totals.balance_fen,
        "inflow_fen": totals.inflow_fen,
        "outflow_fen": totals.outflow_fen,
        "entries_in_month": totals.entries,
    }


async def stats(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    month: str | None,
    children: bool = False,
) -> FundStats:
    principal.require_role(*READ_ROLES)
    prefix = division or principal.scope
    principal.require_scope(prefix)
    month = month or today().strftime("%Y-%m")
    first, following = month_bounds(month)
    start, end = _moment(first), _moment(following)
    repository = StatsRepository(session)
    totals = await repository.totals(prefix, start, end)
    below = None
    if children:
        by_code = await repository.totals_of_children(prefix, start, end)
        below = [FundFigures(**_figures(code, month, by_code[code])) for code in sorted(by_code)]
    return FundStats(**_figures(prefix, month, totals), children=below)
