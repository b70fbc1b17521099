"""The roster follows the registry's household and resident events, twice or out of order."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.events import CloudEvent
from linli.grid.models.roster import RosterHousehold, RosterMember
from linli.grid.roster.handlers import ROSTER_CONSUMER

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def event(name: str, *, minute: int, community_code: str, **data: Any) -> CloudEvent:
    full = f"cn.linli.residents.{name}.v1"
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/residents",
        type=full,
        subject="x",
        time=T0 + timedelta(minutes=minute),
        data={"type": full, "community_code": community_code, **data},
    )


async def apply(sessionmaker: Sessions, events: list[CloudEvent]) -> None:
    for one in events:
        async with sessionmaker.begin() as session:
            await ROSTER_CONSUMER.handler(session, one)


async def state(sessionmaker: Sessions, household_id: uuid.UUID) -> tuple[Any, ...]:
    async with sessionmaker() as session:
        household = await session.get(RosterHousehold, household_id)
        assert household is not None
        return (
            household.community_code,
            household.address,
            household.grid_id,
            household.members,
            household.deleted_at is not None,
        )


async def member(sessionmaker: Sessions, resident_id: uuid.UUID) -> tuple[Any, ...]:
    async with sessionmaker() as session:
        row = await session.get(RosterMember, resident_id)
        assert row is not None
        return (row.household_id, row.name_masked, row.deleted_at is not None)


def history(community_code: str) -> tuple[list[CloudEvent], dict[str, Any]]:
    """A household founded, a resident entered and renamed, the household's grid changed, a
    second resident entered then deleted."""
    household_id, grid_id = uuid.uuid4(), uuid.uuid4()
    first, second = uuid.uuid4(), uuid.uuid4()
    c = community_code
    events = [
        event(
            "household.created",
            minute=0,
            community_code=c,
            household_id=str(household_id),
            dwelling_id=str(uuid.uuid4()),
            household_address="1-1-101",
            grid_id=None,
        ),
        event(
            "resident.created",
            minute=1,
            community_code=c,
            resident_id=str(first),
            household_id=str(household_id),
            grid_id=None,
            name_masked="张*",
            sex="female",
            birth_year=1980,
            tags=[],
        ),
        event(
            "resident.updated",
            minute=2,
            community_code=c,
            resident_id=str(first),
            household_id=str(household_id),
            changed=["name"],
            name_masked="章*",
        ),
        event(
            "household.updated",
            minute=3,
            community_code=c,
            household_id=str(household_id),
            grid_id=str(grid_id),
            changed=["grid_id"],
        ),
        event(
            "resident.created",
            minute=4,
            community_code=c,
            resident_id=str(second),
            household_id=str(household_id),
            grid_id=str(grid_id),
            name_masked="李*",
            sex="male",
            birth_year=2010,
            tags=[],
        ),
        event(
            "resident.deleted",
            minute=5,
            community_code=c,
            resident_id=str(second),
            household_id=str(household_id),
            reason="moved_away",
        ),
    ]
    expected = {
        "household_id": household_id,
        "household": (c, "1-1-101", grid_id, 1, False),
        "first": (first, (household_id, "章*", False)),
        # A deleted resident is a tombstone (its name, hidden, is whatever came last).
        "second": (second, True),
    }
    return events, expected


@pytest.mark.parametrize("order", ["in order", "reversed", "twice shuffled"])
async def test_any_delivery_order_or_repeat_leaves_the_roster_exact(
    sessionmaker: Sessions, community_code: str, order: str
) -> None:
    events, expected = history(community_code)
    delivered = {
        "in order": events,
        "reversed": list(reversed(events)),
        "twice shuffled": list(itertools.chain(events[3:], events, events[:3])),
    }[order]
    await apply(sessionmaker, delivered)
    assert await state(sessionmaker, expected["household_id"]) == expected["household"]
    first, row = expected["first"]
    assert await member(sessionmaker, first) == row
    second, deleted = expected["second"]
    assert (await member(sessionmaker, second))[2] is deleted


async def test_a_deleted_household_is_a_tombstone_a_late_update_cannot_revive(
    sessionmaker: Sessions, community_code: str
) -> None:
    household_id = uuid.uuid4()
    common = {"community_code": community_code, "household_id": str(household_id)}
    await apply(
        sessionmaker,
        [
            event(
                "household.created",
                minute=0,
                dwelling_id=str(uuid.uuid4()),
                household_address="2-1-201",
                grid_id=None,
                **common,
            ),
            event("household.deleted", minute=10, reason="moved_away", **common),
            event(
                "household.updated",
                minute=5,
                grid_id=str(uuid.uuid4()),
                changed=["grid_id"],
                **common,
            ),
        ],
    )
    assert await state(sessionmaker, household_id) == (community_code, "2-1-201", None, 0, True)


async def test_moves_follow_the_household_and_the_resident(
    sessionmaker: Sessions, community_code: str, street_code: str
) -> None:
    household_id, target, resident_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    other = f"{street_code}002"
    c = community_code
    created = event(
        "household.created",
        minute=0,
        community_code=c,
        household_id=str(household_id),
        dwelling_id=str(uuid.uuid4()),
        household_address="1-1-101",
        grid_id=None,
    )
    resident = event(
        "resident.created",
        minute=1,
        community_code=c,
        resident_id=str(resident_id),
        household_id=str(household_id),
        grid_id=None,
        name_masked="王*",
        sex="male",
        birth_year=1990,
        tags=[],
    )
    moved = {
        "household_id": str(household_id),
        "from_community_code": c,
        "from_dwelling_id": str(uuid.uuid4()),
        "to_community_code": other,
        "to_dwelling_id": str(uuid.uuid4()),
        "household_address": "8-2-802",
        "grid_id": None,
        "moved_at": (T0 + timedelta(minutes=2)).isoformat(),
    }
    # Published twice, once on each community's subject.
    household_moves = [
        event("household.moved", minute=2, community_code=c, side="origin", **moved),
        event("household.moved", minute=2, community_code=other, side="destination", **moved),
    ]
    resident_move = event(
        "resident.moved",
        minute=3,
        community_code=other,
        move_id=str(uuid.uuid4()),
        resident_id=str(resident_id),
        kind="between",
        side="destination",
        whole_household=False,
        from_community_code=other,
        from_household_id=str(household_id),
        to_community_code=other,
        to_household_id=str(target),
        to_grid_id=None,
        name_masked="王*",
        moved_at=(T0 + timedelta(minutes=3)).isoformat(),
    )
    await apply(sessionmaker, [resident_move, *household_moves, resident, created, resident_move])
    assert await state(sessionmaker, household_id) == (other, "8-2-802", None, 0, False)
    assert await member(sessionmaker, resident_id) == (target, "王*", False)
    # The household it joined is known only from the move so far, and counts them.
    assert (await state(sessionmaker, target))[3] == 1
