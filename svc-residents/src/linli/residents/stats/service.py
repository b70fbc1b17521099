"""Statistics of any division, and the counters behind them.

Every write path of the registry stages its change to the per-community counters with
`counters(session)` (a resident, household or pending registration appears or goes). The staged
deltas are applied as the last writes of the transaction, in one batch and in key order, just
before it commits (`install_commit_hook`): the counters change if and only if the rows do, two
writers never deadlock on counter rows, and a community's counter row is locked only for the
commit itself. `apply_staged` applies them earlier, for a read in the same transaction.

A bulk writer either stages a delta per row like every other path, or calls
`recount_communities` once for the communities it touched.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from linli.common.auth import Principal
from linli.common.divisions import DivisionCode
from linli.residents.access import READ_ROLES
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
from linli.residents.stats.repository import CounterDeltas, CounterRepository
from linli.residents.stats.schemas import DivisionStats

_STAGED = "linli.residents.counter_deltas"


def counters(session: AsyncSession | Session) -> CounterDeltas:
    """The counter deltas staged in this session's transaction; write paths add theirs here."""
    staged: CounterDeltas = session.info.setdefault(_STAGED, CounterDeltas())
    return staged


async def apply_staged(session: AsyncSession) -> None:
    """Apply the staged deltas now (they are applied at commit anyway)."""
    deltas: CounterDeltas | None = session.info.pop(_STAGED, None)
    if deltas is not None:
        await CounterRepository(session).apply(deltas)


async def recount_communities(session: AsyncSession, *, community_codes: Collection[str]) -> None:
    """Recount the counters of these communities from their rows, in this transaction (for bulk
    writers: one recount after many rows instead of a delta per row). Deltas staged for them are
    dropped: the recount already sees this transaction's rows."""
    staged: CounterDeltas | None = session.info.get(_STAGED)
    if staged is not None:
        staged.discard(community_codes)
    await CounterRepository(session).recount(community_codes)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the deltas wait for the real commit
    deltas: CounterDeltas | None = session.info.pop(_STAGED, None)
    if deltas is None:
        return
    for statement in deltas.statements():
        session.execute(statement)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # Rolled back (or committed after the hook ran): nothing staged may leak into the next.
        session.info.pop(_STAGED, None)


def install_commit_hook() -> None:
    """Make every session apply its staged counter deltas when it commits (idempotent)."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)


# --- statistics ----------------------------------------------------------------------------------


async def division_stats(
    session: AsyncSession, *, principal: Principal, division: str | None, today: date | None = None
) -> DivisionStats:
    """Figures of a community, street, district or city, summed from its communities' counters;
    age bands and the derived tags as of `today` (default: today in Shanghai)."""
    principal.require_role(*READ_ROLES)
    division = division or principal.scope
    principal.require_scope(division)
    unit = await DivisionRepository(session).get(division)
    if unit is None:
        raise DivisionNotFound()
    await apply_staged(session)
    today = today or today_in_shanghai()
    repository = CounterRepository(session)
    await repository.plan_for_this_division()
    totals = await repository.totals(division)
    stored = await repository.tags(division)
    # Everyone at least `age` years old today was born on or before that age's latest birth date.
    ages = sorted({low for low, _ in BAND_AGES.values() if low > 0} | {ELDERLY_AGE})
    born = await repository.born_on_or_before(
        division, [latest_birth_for_age(age, today) for age in ages]
    )
    at_least = {0: totals.residents, **dict(zip(ages, born, strict=True))}
    bands = {
        band: at_least[low] - (at_least[high + 1] if high is not None else 0)
        for band, (low, high) in BAND_AGES.items()
    }
    tags = {tag.value: stored.get(tag.value, 0) for tag in StoredTag}
    tags[DerivedTag.ELDERLY.value] = at_least[ELDERLY_AGE]
    tags[DerivedTag.CHILD.value] = bands[AgeBand.CHILD]
    return DivisionStats(
        division=division,
        level=DivisionCode.parse(division).level,
        name=unit.name,
        as_of=today,
        population=totals.residents,
        households=totals.households,
        pending_registrations=totals.pending_registrations,
        age_bands={band.value: n for band, n in bands.items()},
        tags=tags,
    )
