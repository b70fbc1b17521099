"""The hall's copy of residents: tags, community and address from the registry's events, in
event-time order whatever the delivery order, with tombstones that late events cannot lift."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.events import CloudEvent
from linli.service_hall.residents.service import known_resident

Sessions = async_sessionmaker[AsyncSession]
Apply = Callable[..., Awaitable[None]]
Event = Callable[..., CloudEvent]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def created(
    registry_event: Event,
    community: str,
    resident_id: uuid.UUID,
    household_id: uuid.UUID,
    *,
    at: datetime,
    tags: list[str],
    birth_year: int = 1950,
) -> CloudEvent:
    return registry_event(
        "resident.created",
        at=at,
        community_code=community,
        resident_id=resident_id,
        household_id=household_id,
        grid_id=None,
        name_masked="李*",
        sex="male",
        birth_year=birth_year,
        tags=tags,
    )


def tagged(
    registry_event: Event,
    community: str,
    resident_id: uuid.UUID,
    household_id: uuid.UUID,
    *,
    at: datetime,
    tags: list[str],
) -> CloudEvent:
    return registry_event(
        "resident.tagged",
        at=at,
        community_code=community,
        resident_id=resident_id,
        household_id=household_id,
        added=tags,
        removed=[],
        tags=tags,
    )


async def test_tags_address_and_the_home_visit_reason(
    apply: Apply, sessionmaker: Sessions, community_code: str, registry_event: Event
) -> None:
    resident_id, household_id = uuid.uuid4(), uuid.uuid4()
    await apply(
        registry_event(
            "household.created",
            at=T0,
            community_code=community_code,
            household_id=household_id,
            dwelling_id=uuid.uuid4(),
            household_address="5-2-301",
            grid_id=None,
        ),
        created(
            registry_event,
            community_code,
            resident_id,
            household_id,
            at=T0,
            tags=[],
            birth_year=1990,
        ),
    )
    async with sessionmaker() as session:
        known = await known_resident(session, resident_id)
    assert known is not None
    assert (known.community_code, known.address, known.home_visit_reason) == (
        community_code,
        "5-2-301",
        None,
    )

    await apply(
        tagged(
            registry_event,
            community_code,
            resident_id,
            household_id,
            at=T0 + timedelta(hours=1),
            tags=["mobility_impaired"],
        )
    )
    async with sessionmaker() as session:
        known = await known_resident(session, resident_id)
    assert known is not None and known.home_visit_reason == "mobility_impaired"


async def test_an_older_event_delivered_late_changes_nothing(
    apply: Apply, sessionmaker: Sessions, community_code: str, registry_event: Event
) -> None:
    resident_id, household_id = uuid.uuid4(), uuid.uuid4()
    # The newer tagging arrives first, the creation (older, no tags) after it.
    await apply(
        tagged(
            registry_event,
            community_code,
            resident_id,
            household_id,
            at=T0 + timedelta(hours=2),
            tags=["living_alone", "mobility_impaired"],
        ),
        created(
            registry_event,
            community_code,
            resident_id,
            household_id,
            at=T0,
            tags=[],
            birth_year=1948,
        ),
        tagged(
            registry_event,
            community_code,
            resident_id,
            household_id,
            at=T0 + timedelta(hours=1),
            tags=[],
        ),
    )
    async with sessionmaker() as session:
        known = await known_resident(session, resident_id)
    assert known is not None
    assert known.tags == ("living_alone", "mobility_impaired")
    # The birth year came with the late creation and is kept: 78 years old, elderly too.
    async with sessionmaker() as session:
        from linli.service_hall.models import ResidentCopy

        row = await session.get(ResidentCopy, resident_id)
        assert row is not None and row.birth_year == 1948


async def test_elderly_by_birth_year(
    apply: Apply, sessionmaker: Sessions, community_code: str, registry_event: Event
) -> None:
    resident_id, household_id = uuid.uuid4(), uuid.uuid4()
    await apply(
        created(
            registry_event,
            community_code,
            resident_id,
            household_id,
            at=T0,
            tags=["living_alone"],
            birth_year=1940,
        )
    )
    async with sessionmaker() as session:
        known = await known_resident(session, resident_id)
    assert known is not None and known.home_visit_reason == "elderly"


async def test_an_approval_alone_gives_the_birth_year_for_age_rules(
    apply: Apply, sessionmaker: Sessions, community_code: str, registry_event: Event
) -> None:
    elder, younger, older_event = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    approval = {
        "community_code": community_code,
        "household_id": uuid.uuid4(),
        "household_address": "1-1-101",
        "name_masked": "李*",
    }
    await apply(
        registry_event("resident.approved", at=T0, resident_id=elder, birth_year=1940, **approval),
        registry_event(
            "resident.approved", at=T0, resident_id=younger, birth_year=1990, **approval
        ),
        # Published before svc-residents sent the year: still a resident, age unknown.
        registry_event("resident.approved", at=T0, resident_id=older_event, **approval),
    )
    async with sessionmaker() as session:
        known = [await known_resident(session, r) for r in (elder, younger, older_event)]
        from linli.service_hall.models import ResidentCopy

        row = await session.get(ResidentCopy, elder)
    assert row is not None and row.birth_year == 1940
    assert [k is not None and k.home_visit_reason for k in known] == ["elderly", None, None]


async def test_a_deletion_is_a_tombstone_no_late_event_lifts(
    apply: Apply, sessionmaker: Sessions, community_code: str, registry_event: Event
) -> None:
    resident_id, household_id = uuid.uuid4(), uuid.uuid4()
    await apply(
        created(registry_event, community_code, resident_id, household_id, at=T0, tags=[]),
        registry_event(
            "resident.deleted",
            at=T0 + timedelta(days=1),
            community_code=community_code,
            resident_id=resident_id,
            household_id=household_id,
            reason="deceased",
        ),
        tagged(
            registry_event,
            community_code,
            resident_id,
            household_id,
            at=T0 + timedelta(hours=3),
            tags=["disabled"],
        ),
        registry_event(
            "resident.approved",
            at=T0 + timedelta(hours=4),
            community_code=community_code,
            resident_id=resident_id,
            household_id=household_id,
            household_address="1-1-101",
            name_masked="李*",
        ),
    )
    async with sessionmaker() as session:
        assert await known_resident(session, resident_id) is None


async def test_a_move_out_then_back_in(
    apply: Apply, sessionmaker: Sessions, community_code: str, registry_event: Event
) -> None:
    resident_id, household_id, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    moved = {"community_code": community_code, "resident_id": resident_id, "name_masked": "李*"}
    await apply(
        created(registry_event, community_code, resident_id, household_id, at=T0, tags=[]),
        registry_event("resident.moved", at=T0 + timedelta(days=1), to_household_id=None, **moved),
    )
    async with sessionmaker() as session:
        assert await known_resident(session, resident_id) is None
    other_community = community_code[:9] + "002"
    await apply(
        registry_event(
            "resident.moved",
            at=T0 + timedelta(days=2),
            to_household_id=other,
            to_community_code=other_community,
            **moved,
        )
    )
    async with sessionmaker() as session:
        known = await known_resident(session, resident_id)
    assert known is not None and known.community_code == other_community
