"""The scope: a snapshot at the start, households joining while it runs, redeliveries ignored."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.events import CloudEvent
from linli.grid.models import CampaignCounter, CampaignHousehold
from linli.grid.models.roster import RosterMember

from .conftest import apply, household_events, registry_event

Sessions = async_sessionmaker[AsyncSession]


async def _total(client: httpx.AsyncClient, campaign_id: str, headers: dict[str, str]) -> Any:
    response = await client.get(f"/campaigns/{campaign_id}/coverage", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["total"]


async def _counters(sessionmaker: Sessions, campaign_id: str) -> list[tuple[Any, ...]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(
                CampaignCounter.kind,
                CampaignCounter.key,
                CampaignCounter.households_total,
                CampaignCounter.residents_total,
                CampaignCounter.households_reached,
            )
            .where(CampaignCounter.campaign_id == uuid.UUID(campaign_id))
            .order_by(CampaignCounter.kind, CampaignCounter.key)
        )
        return [tuple(row) for row in rows.all()]


async def test_households_joining_mid_campaign_appear_once_whatever_is_redelivered(
    client: httpx.AsyncClient,
    auth: Any,
    make_community: Any,
    start_campaign: Any,
    street_code: str,
    sessionmaker: Sessions,
) -> None:
    community = await make_community(community_code=f"{street_code}001", per_building=3)
    elsewhere = f"{street_code[:6]}{(int(street_code[6:]) + 1) % 1000:03d}001"
    campaign = await start_campaign(community.code)
    campaign_id = campaign["id"]
    staff = auth(Role.COMMUNITY_WORKER, scope=community.code)
    assert await _total(client, campaign_id, staff) == {
        "households_reached": 0,
        "households_goal_met": 0,
        "households_total": 6,
        "residents_reached": 0,
        "residents_goal_met": 0,
        "residents_total": sum(community.residents.values()),
    }

    # A household founded in a new building of the community, two residents entered; and one
    # moved in from a community outside the scope.
    newcomer, founded = household_events(
        community_code=community.code,
        grid_id=community.place.grid_id,
        address="9幢-1单元-901",
        residents=2,
    )
    mover, before = household_events(
        community_code=elsewhere, grid_id=None, address="1幢-1单元-101", residents=1
    )
    moved = registry_event(
        "household.moved",
        community_code=elsewhere,
        household_id=mover,
        to_community_code=community.code,
        household_address="3幢-2单元-302",
        grid_id=str(community.place.grid_id),
    )
    await apply(sessionmaker, [*founded, *before, moved])
    expected = {
        "households_reached": 0,
        "households_goal_met": 0,
        "households_total": 8,
        "residents_reached": 0,
        "residents_goal_met": 0,
        "residents_total": sum(community.residents.values()) + 3,
    }
    assert await _total(client, campaign_id, staff) == expected
    counters = await _counters(sessionmaker, campaign_id)

    joined = (
        await client.get(f"/campaigns/{campaign_id}/households/{newcomer}", headers=staff)
    ).json()
    assert joined["joined_late"] is True and joined["building"] == "9幢"
    assert joined["residents"] == 2
    unreached = (
        await client.get(
            f"/campaigns/{campaign_id}/unreached", params={"limit": 100}, headers=staff
        )
    ).json()["items"]
    assert {str(newcomer), str(mover)} <= {u["household_id"] for u in unreached}
    assert len(unreached) == 8

    # Every event again (the consumer's redelivery), and copies under new ids (an outbox retry
    # after JetStream's de-duplication window): nothing changes.
    await apply(sessionmaker, [*founded, *before, moved])
    copies = [
        CloudEvent(**{**e.model_dump(), "id": str(uuid.uuid4())}) for e in [founded[0], moved]
    ]
    await apply(sessionmaker, copies)
    assert await _total(client, campaign_id, staff) == expected
    assert await _counters(sessionmaker, campaign_id) == counters
    async with sessionmaker() as session:
        rows = await session.scalar(
            select(func.count()).where(CampaignHousehold.campaign_id == uuid.UUID(campaign_id))
        )
    assert rows == 8

    # A resident added to a household already reached counts in the reached residents too.
    reached = next(iter(community.households))
    response = await client.post(
        f"/campaigns/{campaign_id}/contacts",
        json={"household_id": str(reached), "outcome": "reached", "place": "station"},
        headers=staff,
    )
    assert response.status_code == 201
    await apply(
        sessionmaker,
        [
            registry_event(
                "resident.created",
                community_code=community.code,
                resident_id=uuid.uuid4(),
                household_id=reached,
                grid_id=str(community.place.grid_id),
                name_masked="李*",
                sex="male",
                birth_year=2020,
                tags=[],
            )
        ],
    )
    total = await _total(client, campaign_id, staff)
    assert total["residents_total"] == expected["residents_total"] + 1
    assert total["residents_reached"] == community.residents[reached] + 1
    # Reached once, with one round the goal: the new resident counts as goal met as well.
    assert total["residents_goal_met"] == community.residents[reached] + 1

    # A completed campaign takes no one in.
    response = await client.post(f"/campaigns/{campaign_id}/complete", headers=staff)
    assert response.status_code == 200 and response.json()["status"] == "completed"
    _, late = household_events(
        community_code=community.code, grid_id=None, address="1幢-9单元-999", residents=1
    )
    await apply(sessionmaker, late)
    assert (await _total(client, campaign_id, staff))["households_total"] == 8


async def test_the_elderly_living_alone_and_mobility_impaired_are_visited_at_their_door(
    client: httpx.AsyncClient,
    auth: Any,
    make_place: Any,
    start_campaign: Any,
    community_code: str,
    sessionmaker: Sessions,
    outbox: Any,
) -> None:
    place = await make_place(community_code=community_code)
    response = await client.put(
        f"/grids/{place.grid_id}/workers/gw-door",
        json={"name": "赵六"},
        headers=auth(Role.COMMUNITY_WORKER, scope=community_code),
    )
    assert response.status_code == 200, response.text
    alone, a = household_events(
        community_code=community_code,
        grid_id=place.grid_id,
        address="1幢-1单元-101",
        residents=1,
        tags=("living_alone",),
        birth_year=1940,
    )
    young_alone, b = household_events(
        community_code=community_code,
        grid_id=place.grid_id,
        address="1幢-1单元-102",
        residents=1,
        tags=("living_alone",),
        birth_year=1995,
    )
    impaired, c = household_events(
        community_code=community_code,
        grid_id=place.grid_id,
        address="1幢-1单元-103",
        residents=2,
    )
    tagged = registry_event(
        "resident.tagged",
        community_code=community_code,
        resident_id=c[1].data["resident_id"],
        household_id=impaired,
        added=["mobility_impaired"],
        removed=[],
        tags=["mobility_impaired"],
    )
    await apply(sessionmaker, [*a, *b, *c, tagged])
    campaign = await start_campaign(community_code)
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    modes = {}
    for household in (alone, young_alone, impaired):
        body = (
            await client.get(f"/campaigns/{campaign['id']}/households/{household}", headers=staff)
        ).json()
        modes[household] = (body["mode"], body["door_worker_subject"])
    assert modes == {
        alone: ("door_to_door", "gw-door"),
        young_alone: ("station", None),
        impaired: ("door_to_door", "gw-door"),
    }
    started = [
        e for e in await outbox.data("campaign.started") if e["campaign_id"] == campaign["id"]
    ]
    assert len(started) == 1 and started[0]["door_to_door"] == 2
    assert started[0]["households"] == 3 and started[0]["residents"] == 4


async def test_households_written_while_the_campaign_starts_are_all_in_it(
    auth: Any,
    client: httpx.AsyncClient,
    make_community: Any,
    start_campaign: Any,
    community_code: str,
    sessionmaker: Sessions,
) -> None:
    community = await make_community(community_code=community_code, per_building=2)
    batches = [
        household_events(
            community_code=community_code,
            grid_id=community.place.grid_id,
            address=f"5幢-1单元-{101 + n}",
            residents=1,
        )[1]
        for n in range(20)
    ]
    started, *_ = await asyncio.gather(
        start_campaign(community_code), *(apply(sessionmaker, batch) for batch in batches)
    )
    total = await _total(client, started["id"], auth(Role.COMMUNITY_WORKER, scope=community_code))
    assert total["households_total"] == 4 + 20
    assert total["residents_total"] == sum(community.residents.values()) + 20


async def test_a_resident_tagged_mid_campaign_sends_their_household_to_its_door(
    client: httpx.AsyncClient,
    auth: Any,
    make_community: Any,
    start_campaign: Any,
    community_code: str,
    sessionmaker: Sessions,
) -> None:
    community = await make_community(community_code=community_code, per_building=2)
    campaign = await start_campaign(community_code)
    base = f"/campaigns/{campaign['id']}"
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    household = community.in_building("1幢")[0]
    starts = datetime.now(UTC) + timedelta(hours=3)
    slot = (
        await client.post(
            f"{base}/slots",
            json={
                "community_code": community_code,
                "building": "1幢",
                "station": "1幢楼下",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=1)).isoformat(),
                "capacity": 5,
            },
            headers=staff,
        )
    ).json()
    response = await client.put(
        f"{base}/households/{household}/slot", json={"slot_id": slot["id"]}, headers=staff
    )
    assert response.status_code == 200
    async with sessionmaker() as session:
        resident = await session.scalar(
            select(RosterMember.resident_id).where(RosterMember.household_id == household)
        )
    tagged = registry_event(
        "resident.tagged",
        community_code=community_code,
        resident_id=resident,
        household_id=household,
        added=["mobility_impaired"],
        removed=[],
        tags=["mobility_impaired"],
    )
    await apply(sessionmaker, [tagged, tagged])
    body = (await client.get(f"{base}/households/{household}", headers=staff)).json()
    assert (body["mode"], body["slot"]) == ("door_to_door", None)
    slots = (await client.get(f"{base}/slots", headers=staff)).json()
    assert [s["assigned"] for s in slots] == [0]
