"""The resident.approved handler keeps each household once and each resident once."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.consumers import EventNotHandled, UnprocessableEvent
from linli.common.events import CloudEvent
from linli.grid.models.roster import RosterHousehold, RosterMember
from linli.grid.roster.handlers import ROSTER_CONSUMER

ApprovedEventFactory = Callable[..., CloudEvent]
# What the consumer runs for each message: type check, validation, then the roster's handler.
on_resident_approved = ROSTER_CONSUMER.handler


async def households_of(session: AsyncSession, community_code: str) -> list[RosterHousehold]:
    statement = select(RosterHousehold).where(RosterHousehold.community_code == community_code)
    return list((await session.scalars(statement)).all())


async def member_count(session: AsyncSession, household_id: uuid.UUID) -> int:
    statement = select(func.count()).where(RosterMember.household_id == household_id)
    return int(await session.scalar(statement) or 0)


async def test_two_residents_of_one_household_make_one_household_with_two_members(
    session: AsyncSession, approved_event: ApprovedEventFactory, community_code: str
) -> None:
    household_id = uuid.uuid4()
    first = approved_event(community_code=community_code, household_id=household_id)
    second = approved_event(community_code=community_code, household_id=household_id)

    await on_resident_approved(session, first)
    await on_resident_approved(session, second)

    [household] = await households_of(session, community_code)
    assert household.household_id == household_id
    assert household.address == "1-1-101"
    assert household.first_seen_event_id == first.id
    assert household.members == 2
    assert await member_count(session, household_id) == 2


async def test_redelivery_and_duplicate_under_a_new_event_id_change_nothing(
    session: AsyncSession, approved_event: ApprovedEventFactory, community_code: str
) -> None:
    event = approved_event(community_code=community_code)
    # The same facts published again by an outbox retry after JetStream's duplicate window.
    duplicate = event.model_copy(update={"id": str(uuid.uuid4())})

    await on_resident_approved(session, event)
    await on_resident_approved(session, event)
    await on_resident_approved(session, duplicate)

    [household] = await households_of(session, community_code)
    assert household.members == 1
    assert household.first_seen_event_id == event.id
    assert await member_count(session, household.household_id) == 1


async def test_a_later_event_fills_the_grid_but_keeps_the_first_address(
    session: AsyncSession, approved_event: ApprovedEventFactory, community_code: str
) -> None:
    household_id, grid_id = uuid.uuid4(), uuid.uuid4()
    await on_resident_approved(
        session, approved_event(community_code=community_code, household_id=household_id)
    )
    await on_resident_approved(
        session,
        approved_event(
            community_code=community_code,
            household_id=household_id,
            grid_id=grid_id,
            address="9-9-909",
        ),
    )

    [household] = await households_of(session, community_code)
    assert household.grid_id == grid_id
    assert household.address == "1-1-101"
    assert household.members == 2


async def test_unknown_fields_are_ignored(
    session: AsyncSession, approved_event: ApprovedEventFactory, community_code: str
) -> None:
    event = approved_event(
        community_code=community_code,
        id_number_masked="330***********1234",
        tags={"elderly": True},
    )

    await on_resident_approved(session, event)

    assert len(await households_of(session, community_code)) == 1


async def test_malformed_data_is_refused_by_field_and_writes_nothing(
    session: AsyncSession, approved_event: ApprovedEventFactory, community_code: str
) -> None:
    event = approved_event(community_code=community_code)
    data = {k: v for k, v in event.data.items() if k != "household_id"} | {"resident_id": "x"}
    malformed = event.model_copy(update={"data": data})

    with pytest.raises(UnprocessableEvent) as refused:
        await on_resident_approved(session, malformed)

    fields = {error["field"] for error in refused.value.errors}
    assert fields == {"household_id", "resident_id"}
    assert event.id in str(refused.value)
    assert await households_of(session, community_code) == []


async def test_a_community_code_that_is_not_12_digits_is_malformed(
    session: AsyncSession, approved_event: ApprovedEventFactory, street_code: str
) -> None:
    with pytest.raises(UnprocessableEvent, match="community_code"):
        await on_resident_approved(session, approved_event(community_code=street_code))


async def test_a_later_version_on_the_subject_is_not_handled_here(
    session: AsyncSession, approved_event: ApprovedEventFactory, community_code: str
) -> None:
    event = approved_event(community_code=community_code)
    later_version = event.model_copy(update={"type": "cn.linli.residents.resident.approved.v2"})

    # The consumer dead-letters it, with no processed_events row (see linli.common.consumers).
    with pytest.raises(EventNotHandled):
        await on_resident_approved(session, later_version)

    assert await households_of(session, community_code) == []
