"""Coverage is exact after concurrent contacts, and the unreached list is exactly the rest."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.grid.models import CampaignContact, CampaignHousehold
from linli.testing import OutboxReader

Sessions = async_sessionmaker[AsyncSession]


async def _unreached_pages(
    client: httpx.AsyncClient, campaign_id: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": 7, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            f"/campaigns/{campaign_id}/unreached", params=query, headers=headers
        )
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_coverage_is_exact_after_a_burst_of_contacts_and_unreached_is_the_complement(
    client: httpx.AsyncClient,
    auth: Any,
    make_community: Any,
    start_campaign: Any,
    community_code: str,
    sessionmaker: Sessions,
    outbox: OutboxReader,
) -> None:
    community = await make_community(community_code=community_code, per_building=25, door_to_door=3)
    campaign = await start_campaign(community_code)
    campaign_id = campaign["id"]
    grid = community.place.grid_id
    workers = [
        auth(Role.GRID_WORKER, scope=community_code, grids=(grid,), subject=f"gw-{n}")
        for n in range(4)
    ]
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)

    coverage = (await client.get(f"/campaigns/{campaign_id}/coverage", headers=staff)).json()
    assert coverage["total"] == {
        "households_reached": 0,
        "households_goal_met": 0,
        "households_total": 50,
        "residents_reached": 0,
        "residents_goal_met": 0,
        "residents_total": sum(community.residents.values()),
    }

    # 50 contacts at once by four workers: 30 households reached (6 of them reported twice by
    # two workers), 14 not at home (4 of those twice).
    ids = sorted(community.households)
    reached, absent = ids[:24], ids[24:38]
    contacts = [(h, "reached") for h in reached]
    contacts += [(h, "reached") for h in reached[:6]]
    contacts += [(h, "not_at_home") for h in absent]
    contacts += [(h, "not_at_home") for h in absent[:4]]
    contacts += [(h, "refused") for h in ids[38:40]]
    assert len(contacts) == 50

    async def record(n: int, household_id: uuid.UUID, outcome: str) -> httpx.Response:
        place = "door" if household_id in community.door_to_door else "station"
        return await client.post(
            f"/campaigns/{campaign_id}/contacts",
            json={"household_id": str(household_id), "outcome": outcome, "place": place},
            headers=workers[n % 4],
        )

    responses = await asyncio.gather(*(record(n, h, o) for n, (h, o) in enumerate(contacts)))
    assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses][:3]
    assert sum(r.json()["first_reach"] for r in responses) == 24

    coverage = (await client.get(f"/campaigns/{campaign_id}/coverage", headers=staff)).json()
    # What counting the contact rows gives, the slow way, must be what the counters say.
    async with sessionmaker() as session:
        counted = await session.scalar(
            select(func.count(func.distinct(CampaignContact.household_id))).where(
                CampaignContact.campaign_id == uuid.UUID(campaign_id),
                CampaignContact.outcome == "reached",
            )
        )
    assert counted == 24
    reached_residents = sum(community.residents[h] for h in reached)
    # One round is the goal by default: every household reached has met it.
    assert coverage["rounds_required"] == 1
    assert coverage["total"] == {
        "households_reached": 24,
        "households_goal_met": 24,
        "households_total": 50,
        "residents_reached": reached_residents,
        "residents_goal_met": reached_residents,
        "residents_total": sum(community.residents.values()),
    }
    buildings = {b["building"]: b for b in coverage["buildings"]}
    for name in ("1幢", "2幢"):
        in_building = community.in_building(name)
        assert buildings[name]["households_total"] == len(in_building)
        assert buildings[name]["households_reached"] == len(set(in_building) & set(reached))
    assert [g["grid_id"] for g in coverage["grids"]] == [str(grid)]
    assert coverage["grids"][0]["households_reached"] == 24
    assert coverage["grids"][0]["name"] == "一网格"
    assert coverage["communities"][0]["residents_reached"] == reached_residents

    # One household_reached event per household, however often it was reported reached.
    events = [
        e
        for e in await outbox.data("campaign.household_reached")
        if e["campaign_id"] == campaign_id
    ]
    assert sorted(str(e["household_id"]) for e in events) == sorted(str(h) for h in reached)
    assert all("address" not in e for e in events)

    # The unreached list, paged, is exactly the 26 others, with why.
    unreached = await _unreached_pages(client, campaign_id, staff)
    assert sorted(u["household_id"] for u in unreached) == sorted(str(h) for h in ids[24:])
    assert [u["address"] for u in unreached] == sorted(u["address"] for u in unreached)
    reasons = {u["household_id"]: u["reason"] for u in unreached}
    assert {reasons[str(h)] for h in absent[:4]} == {"not_at_home_twice"}
    assert {reasons[str(h)] for h in ids[38:40]} == {"refused"}
    # Ids are uuid4s: the door-to-door households may sort anywhere among them.
    never_contacted = ids[40:]
    assert {reasons[str(h)] for h in never_contacted if h not in community.door_to_door} == {
        "not_scheduled"
    }
    assert {reasons[str(h)] for h in never_contacted if h in community.door_to_door} <= {
        "door_to_door_pending"
    }
    twice = await _unreached_pages(client, campaign_id, staff, reason="not_at_home_twice")
    assert sorted(u["household_id"] for u in twice) == sorted(str(h) for h in absent[:4])
    in_two = await _unreached_pages(client, campaign_id, staff, building="2幢", grid_id=str(grid))
    assert {u["building"] for u in in_two} == {"2幢"}
    assert len(in_two) == len(set(community.in_building("2幢")) - set(reached))

    # The same list as CSV for the people going door to door.
    response = await client.get(
        f"/campaigns/{campaign_id}/unreached", params={"format": "csv"}, headers=staff
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][0] == "address" and len(rows) == 1 + 26
    assert sorted(row[-1] for row in rows[1:]) == sorted(str(h) for h in ids[24:])

    # A grid worker of the community sees the same numbers; the household rows agree.
    seen = (await client.get(f"/campaigns/{campaign_id}/coverage", headers=workers[0])).json()
    assert seen["total"] == coverage["total"]
    async with sessionmaker() as session:
        stored = await session.scalar(
            select(func.count()).where(
                CampaignHousehold.campaign_id == uuid.UUID(campaign_id),
                CampaignHousehold.reached_at.is_not(None),
            )
        )
    assert stored == 24


async def test_a_community_sees_its_part_of_its_streets_campaign(
    client: httpx.AsyncClient,
    auth: Any,
    make_community: Any,
    start_campaign: Any,
    street_code: str,
) -> None:
    first = await make_community(community_code=f"{street_code}001", per_building=3)
    second = await make_community(community_code=f"{street_code}002", per_building=2)
    campaign = await start_campaign(street_code)
    assert campaign["division_code"] == street_code
    street = auth(Role.STREET_ADMIN, scope=street_code)
    whole = (await client.get(f"/campaigns/{campaign['id']}/coverage", headers=street)).json()
    assert whole["total"]["households_total"] == 10
    assert len(whole["communities"]) == 2

    worker = auth(Role.COMMUNITY_WORKER, scope=second.code)
    # The street's campaign is listed for the street and for its communities' staff.
    for headers in (street, worker):
        listed = (await client.get("/campaigns", headers=headers)).json()["items"]
        assert campaign["id"] in [c["id"] for c in listed]
    elsewhere = auth(Role.COMMUNITY_WORKER, scope=f"{street_code[:6]}999001")
    listed = (await client.get("/campaigns", headers=elsewhere)).json()["items"]
    assert campaign["id"] not in [c["id"] for c in listed]
    part = (await client.get(f"/campaigns/{campaign['id']}/coverage", headers=worker)).json()
    assert part["division_code"] == second.code
    assert part["total"]["households_total"] == 4
    assert {b["community_code"] for b in part["buildings"]} == {second.code}
    unreached = await _unreached_pages(client, campaign["id"], worker)
    assert sorted(u["household_id"] for u in unreached) == sorted(str(h) for h in second.households)
    # Asking for the other community's households is naming a scope it does not hold.
    response = await client.get(
        f"/campaigns/{campaign['id']}/unreached", params={"division": first.code}, headers=worker
    )
    assert response.status_code == 403
    # Nor may it record a contact there: the household is not in its part of the campaign.
    household = next(iter(first.households))
    response = await client.post(
        f"/campaigns/{campaign['id']}/contacts",
        json={"household_id": str(household), "outcome": "reached", "place": "station"},
        headers=worker,
    )
    assert response.status_code == 404
    assert response.json()["type"].endswith("household-not-in-campaign")
