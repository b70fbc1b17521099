"""A counted goal: rounds on distinct business days, goal-met coverage exact under bursts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.grid.campaigns import service
from linli.grid.models import Campaign, CampaignContact, CampaignCounter
from linli.testing import OutboxReader

Sessions = async_sessionmaker[AsyncSession]


def _body(division_code: str, **changes: Any) -> dict[str, Any]:
    return {
        "division_code": division_code,
        "title": "全员核酸检测",
        "goal": "每位居民完成两次核酸检测",
        "ends_at": (datetime.now(UTC) + timedelta(days=4)).isoformat(),
        **changes,
    }


def _pin_clock(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    """The service's clock stands at `at` (every contact recorded then, on its business day)."""
    monkeypatch.setattr(service, "now", lambda: at)


async def _counters(sessionmaker: Sessions, campaign_id: str) -> list[tuple[Any, ...]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(CampaignCounter)
            .where(CampaignCounter.campaign_id == uuid.UUID(campaign_id))
            .order_by(CampaignCounter.kind, CampaignCounter.key)
        )
        return [
            (c.kind, c.key, c.households_reached, c.households_goal_met, c.residents_goal_met)
            for c in rows.scalars()
        ]


async def test_two_rounds_on_two_business_days_meet_the_goal_not_two_the_same_day(
    client: httpx.AsyncClient,
    auth: Any,
    make_community: Any,
    community_code: str,
    sessionmaker: Sessions,
    outbox: OutboxReader,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    community = await make_community(community_code=community_code, per_building=3)
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    response = await client.post(
        "/campaigns", json=_body(community_code, rounds_required=2), headers=staff
    )
    assert response.status_code == 201, response.text
    campaign_id = response.json()["id"]
    assert response.json()["rounds_required"] == 2
    shown = await client.get(f"/campaigns/{campaign_id}", headers=staff)
    assert shown.json()["rounds_required"] == 2
    worker = auth(Role.GRID_WORKER, scope=community_code, grids=(community.place.grid_id,))
    household = community.in_building("1幢")[0]
    residents = community.residents[household]

    async def reach() -> dict[str, Any]:
        response = await client.post(
            f"/campaigns/{campaign_id}/contacts",
            json={"household_id": str(household), "outcome": "reached", "place": "station"},
            headers=worker,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def total() -> dict[str, Any]:
        coverage = (await client.get(f"/campaigns/{campaign_id}/coverage", headers=staff)).json()
        assert coverage["rounds_required"] == 2
        body: dict[str, Any] = coverage["total"]
        return body

    day_one = service.now()
    _pin_clock(monkeypatch, day_one)
    first = await reach()
    assert (first["first_reach"], first["round"]) == (True, 1)
    after_one = await total()
    assert (after_one["households_reached"], after_one["households_goal_met"]) == (1, 0)
    assert (after_one["residents_reached"], after_one["residents_goal_met"]) == (residents, 0)
    counters = await _counters(sessionmaker, campaign_id)

    # Reached again the same business day: kept, but no new round; nothing moves.
    again = await reach()
    assert (again["first_reach"], again["round"]) == (False, None)
    assert await total() == after_one
    assert await _counters(sessionmaker, campaign_id) == counters

    # The next business day: the second round meets the goal, in every part of the coverage.
    _pin_clock(monkeypatch, day_one + timedelta(days=1))
    second = await reach()
    assert (second["first_reach"], second["round"]) == (False, 2)
    met = await total()
    assert (met["households_reached"], met["households_goal_met"]) == (1, 1)
    assert (met["residents_reached"], met["residents_goal_met"]) == (residents, residents)
    coverage = (await client.get(f"/campaigns/{campaign_id}/coverage", headers=staff)).json()
    for kind in ("communities", "grids", "courts"):
        assert [p["households_goal_met"] for p in coverage[kind]] == [1], kind
    buildings = {b["building"]: b for b in coverage["buildings"]}
    assert buildings["1幢"]["households_goal_met"] == 1
    assert buildings["2幢"]["households_goal_met"] == 0

    # A third round the day after is a round, but the goal was met already.
    _pin_clock(monkeypatch, day_one + timedelta(days=2))
    third = await reach()
    assert third["round"] == 3
    assert await total() == met
    read = await client.get(f"/campaigns/{campaign_id}/households/{household}", headers=staff)
    assert read.json()["rounds"] == 3

    reached = [
        e
        for e in await outbox.data("campaign.household_reached")
        if e["campaign_id"] == campaign_id
    ]
    assert [e["round"] for e in reached] == [1, 2, 3]
    goal_met = [
        e
        for e in await outbox.data("campaign.household_goal_met")
        if e["campaign_id"] == campaign_id
    ]
    assert len(goal_met) == 1
    assert goal_met[0]["household_id"] == str(household)
    assert (goal_met[0]["rounds"], goal_met[0]["residents"]) == (2, residents)
    assert not {"address", "building", "name"} & set(goal_met[0])

    # Completing it reports the goal met too.
    assert (await client.post(f"/campaigns/{campaign_id}/complete", headers=staff)).status_code
    completed = [
        e for e in await outbox.data("campaign.completed") if e["campaign_id"] == campaign_id
    ]
    assert completed[0]["households_goal_met"] == 1


async def test_goal_met_is_exact_after_bursts_of_contacts_on_two_days(
    client: httpx.AsyncClient,
    auth: Any,
    make_community: Any,
    community_code: str,
    sessionmaker: Sessions,
    outbox: OutboxReader,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    community = await make_community(community_code=community_code, per_building=20)
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    response = await client.post(
        "/campaigns", json=_body(community_code, rounds_required=2), headers=staff
    )
    assert response.status_code == 201, response.text
    campaign_id = response.json()["id"]
    workers = [
        auth(
            Role.GRID_WORKER,
            scope=community_code,
            grids=(community.place.grid_id,),
            subject=f"gw-{n}",
        )
        for n in range(4)
    ]
    ids = sorted(community.households)

    async def burst(households: list[uuid.UUID]) -> list[dict[str, Any]]:
        async def one(n: int, household_id: uuid.UUID) -> httpx.Response:
            return await client.post(
                f"/campaigns/{campaign_id}/contacts",
                json={"household_id": str(household_id), "outcome": "reached", "place": "door"},
                headers=workers[n % 4],
            )

        responses = await asyncio.gather(*(one(n, h) for n, h in enumerate(households)))
        assert [r.status_code for r in responses] == [201] * len(households)
        return [r.json() for r in responses]

    day_one = service.now()
    # Day one: 30 households reached, 10 of them twice at once (one round each all the same).
    _pin_clock(monkeypatch, day_one)
    first = await burst(ids[:30] + ids[:10])
    assert sum(1 for r in first if r["round"] == 1) == 30
    # Day two: 20 of them again (5 twice at once), and 5 reached for the first time.
    _pin_clock(monkeypatch, day_one + timedelta(days=1))
    second = await burst(ids[10:30] + ids[10:15] + ids[30:35])
    assert sum(1 for r in second if r["round"] == 2) == 20
    assert sum(1 for r in second if r["round"] == 1) == 5

    coverage = (await client.get(f"/campaigns/{campaign_id}/coverage", headers=staff)).json()
    goal = set(ids[10:30])
    goal_residents = sum(community.residents[h] for h in goal)
    assert coverage["total"]["households_reached"] == 35
    assert coverage["total"]["households_goal_met"] == 20
    assert coverage["total"]["residents_goal_met"] == goal_residents
    for building in coverage["buildings"]:
        in_building = set(community.in_building(building["building"]))
        assert building["households_goal_met"] == len(in_building & goal)
        assert building["residents_goal_met"] == sum(
            community.residents[h] for h in in_building & goal
        )

    # The slow way, from the contact rows: households reached on two business days.
    day = func.date(func.timezone("Asia/Shanghai", CampaignContact.at))
    async with sessionmaker() as session:
        days = (
            select(CampaignContact.household_id)
            .where(
                CampaignContact.campaign_id == uuid.UUID(campaign_id),
                CampaignContact.outcome == "reached",
            )
            .group_by(CampaignContact.household_id)
            .having(func.count(distinct(day)) >= 2)
            .subquery()
        )
        counted = await session.scalar(select(func.count()).select_from(days))
    assert counted == 20
    events = [
        e
        for e in await outbox.data("campaign.household_goal_met")
        if e["campaign_id"] == campaign_id
    ]
    assert sorted(str(e["household_id"]) for e in events) == sorted(str(h) for h in goal)


async def test_a_bad_rounds_required_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, auth: Any, community_code: str, sessionmaker: Sessions
) -> None:
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    for rounds in (0, 11, -1, "2", 2.5, None, True, 10**20):
        response = await client.post(
            "/campaigns", json=_body(community_code, rounds_required=rounds), headers=staff
        )
        assert response.status_code == 422, (rounds, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "rounds_required" in response.text, rounds
    async with sessionmaker() as session:
        stored = await session.scalar(
            select(func.count()).where(Campaign.division_code == community_code)
        )
    assert stored == 0
