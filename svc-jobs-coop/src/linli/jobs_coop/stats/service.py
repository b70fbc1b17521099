"""Statistics of the cooperative for any division, from live data (never re-typed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.jobs_coop import clock
from linli.jobs_coop.access import READER_ROLES
from linli.jobs_coop.stats.repository import StatsRepository
from linli.jobs_coop.stats.schemas import CoopFigures, CoopStats, MemberFacts, MembersOfSubjects


def _figures(division: str, month: date, counts: dict[str, int]) -> dict[str, Any]:
    earners = counts["earners_in_month"]
    return {
        "division": division,
        "month": month,
        "income_per_earner_fen": counts["income_in_month_fen"] // earners if earners else 0,
        **counts,
    }


async def stats(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    month: date | None,
    children: bool = False,
) -> CoopStats:
    principal.require_role(*READER_ROLES)
    prefix = division or principal.scope
    principal.require_scope(prefix)
    month = month or clock.month_of(clock.now())
    start, end = clock.month_bounds(month)
    repository = StatsRepository(session)
    counts = await repository.counts(prefix, start, end)
    below = None
    if children:
        by_code = await repository.counts_of_children(prefix, start, end)
        below = [CoopFigures(**_figures(code, month, by_code[code])) for code in sorted(by_code)]
    return CoopStats(**_figures(prefix, month, counts), children=below)


async def members_of(
    session: AsyncSession, *, principal: Principal, subjects: Sequence[str]
) -> MembersOfSubjects:
    """A resident's place in the pool (by their login subjects), for the gateway's resident facts."""
    principal.require_role(*READER_ROLES)
    month = clock.month_of(clock.now())
    start, end = clock.month_bounds(month)
    rows = await StatsRepository(session).members_of(subjects, principal.scope, start, end)
    return MembersOfSubjects(
        month=month,
        members=[
            MemberFacts(
                id=member.id,
                community_code=member.community_code,
                status=member.status.value,
                work_mode=member.work_mode.value,
                tasks_open=tasks_open,
                income_in_month_fen=income,
            )
            for member, tasks_open, income in rows
        ],
    )
