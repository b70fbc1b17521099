"""Statistics of any division, and the counters behind them.

Every write path of the registry stages its change to the per-community counters with
`counters(session)` (a resident, household or pending registration appears or goes). The staged
deltas are applied as the last writes of the transaction, in one batch and in key order, just
before it commits (`linli.common.transaction.stage`): the counters change if and only if the rows do, two
writers never deadlock on counter rows, and a community's counter row is locked only for the
commit itself. `apply_staged` applies them earlier, for a read in the same transaction.

A bulk writer either stages a delta per row like every other path, or calls
`recount_communities` once for the communities it touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from linli.common.auth import Principal
from linli.common.divisions import DivisionCode
from linli.common.pagination import plan_per_call
from linli.common.transaction import peek, stage, take
from linli.residents.access import STATS_ROLES
from linli.residents.ages import (
    BAND_AGES,
    ELDERLY_AGE,
    AgeBand,
    DerivedTag,
    latest_birth_for_age,
    today_in_shanghai,
)
from linli.residents.divisions.errors import DivisionNotFound
from linli.residents.divisions.repository import DivisionRepository
from linli.residents.models import StoredTag
from linli.residents.stats.repository import CounterDeltas, CounterRepository, Totals
from linli.residents.stats.schemas import DivisionFigures, DivisionStats

_STAGED = "linli.residents.counter_deltas"


def counters(session: AsyncSession | Session) -> CounterDeltas:
    """The counter deltas staged in this session's transaction; write paths add theirs here."""
    return stage(session, _STAGED, CounterDeltas, _apply_at_commit)


async def apply_staged(session: AsyncSession) -> None:
    """Apply the staged deltas now (they are applied at commit anyway)."""
    deltas: CounterDeltas | None = take(session, _STAGED)
    if deltas is not None:
        await CounterRepository(session).apply(deltas)


async def recount_communities(session: AsyncSession, *, community_codes: Collection[str]) -> None:
    """Recount the counters of these communities from their rows, in this transaction (for bulk
    writers: one recount after many rows instead of a delta per row). Deltas staged for them are
    dropped: the recount already sees this transaction's rows."""
    staged: CounterDeltas | None = peek(session, _STAGED)
    if staged is not None:
        staged.discard(community_codes)
    await CounterRepository(session).recount(community_codes)


def _apply_at_commit(session: Session, deltas: CounterDeltas) -> None:
    for statement in deltas.statements():
        session.execute(statement)


# --- statistics ----------------------------------------------------------------------------------


async def division_stats(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    today: date | None = None,
    children: bool = False,
) -> DivisionStats:
    """Figures of a community, street, district or city, summed from its communities' counters;
    age bands and the derived tags as of `today` (default: today in Shanghai). With `children`,
    the same for every unit directly below it in the tree, from the same sums grouped by the
    unit's code prefix (and the division's own from those groups): a unit without residents is
    answered with zeros."""
    principal.require_role(*STATS_ROLES)
    division = division or principal.scope
    principal.require_scope(division)
    unit = await DivisionRepository(session).get(division)
    if unit is None:
        raise DivisionNotFound()
    await apply_staged(session)
    today = today or today_in_shanghai()
    repository = CounterRepository(session)
    await plan_per_call(session)
    # Everyone at least `age` years old today was born on or before that age's latest birth date.
    ages = sorted({low for low, _ in BAND_AGES.values() if low > 0} | {ELDERLY_AGE})
    days = [latest_birth_for_age(age, today) for age in ages]
    below = None
    if children and DivisionCode.parse(division).child_level() is not None:
        totals_of = await repository.totals_of_children(division)
        stored_of = await repository.tags_of_children(division)
        born_of = await repository.born_on_or_before_of_children(division, days)
        # Counters are kept per community, and every community lies in one unit below: the
        # division's sums are its groups' sums, and it needs no scan of its own.
        totals = Totals(
            residents=sum(t.residents for t in totals_of.values()),
            households=sum(t.households for t in totals_of.values()),
            pending_registrations=sum(t.pending_registrations for t in totals_of.values()),
        )
        stored = dict(sum((Counter(tags) for tags in stored_of.values()), Counter[str]()))
        born = [sum(counts) for counts in zip(*born_of.values(), strict=True)] or [0] * len(days)
        below = [
            _figures(
                code,
                name,
                today,
                totals=totals_of.get(code, Totals(0, 0, 0)),
                stored=stored_of.get(code, {}),
                born=dict(zip(ages, born_of.get(code, [0] * len(ages)), strict=True)),
            )
            for code, name in await repository.child_units(division)
        ]
    else:
        totals = await repository.totals(division)
        stored = await repository.tags(division)
        born = await repository.born_on_or_before(division, days)
        below = [] if children else None
    own = _figures(
        division,
        unit.name,
        today,
        totals=totals,
        stored=stored,
        born=dict(zip(ages, born, strict=True)),
    )
    return DivisionStats(**own.model_dump(), children=below)


def _figures(
    division: str,
    name: str,
    today: date,
    *,
    totals: Totals,
    stored: dict[str, int],
    born: dict[int, int],
) -> DivisionFigures:
    """A unit's figures from its sums; `born[age]`: residents at least `age` years old today."""
    at_least = {0: totals.residents, **born}
    bands = {
        band: at_least[low] - (at_least[high + 1] if high is not None else 0)
        for band, (low, high) in BAND_AGES.items()
    }
    tags = {tag.value: stored.get(tag.value, 0) for tag in StoredTag}
    tags[DerivedTag.ELDERLY.value] = at_least[ELDERLY_AGE]
    tags[DerivedTag.CHILD.value] = bands[AgeBand.CHILD]
    return DivisionFigures(
        division=division,
        level=DivisionCode.parse(division).level,
        name=name,
        as_of=today,
        population=totals.residents,
        households=totals.households,
        pending_registrations=totals.pending_registrations,
        age_bands={band.value: n for band, n in bands.items()},
        tags=tags,
    )
