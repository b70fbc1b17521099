"""Refusals: a scope not held, a household outside the campaign, bad input; nothing changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.grid.models import Campaign, CampaignContact

Sessions = async_sessionmaker[AsyncSession]


def _body(division_code: str, **changes: Any) -> dict[str, Any]:
    return {
        "division_code": division_code,
        "title": "入户核查",
        "goal": "每户核查一次",
        "ends_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        **changes,
    }


async def _campaigns(sessionmaker: Sessions, prefix: str) -> int:
    async with sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count()).where(Campaign.division_code.startswith(prefix))
            )
            or 0
        )


async def _contacts(sessionmaker: Sessions, campaign_id: str) -> int:
    async with sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count()).where(CampaignContact.campaign_id == uuid.UUID(campaign_id))
            )
            or 0
        )


async def test_starting_a_campaign_outside_ones_scope_or_with_bad_input_is_refused(
    client: httpx.AsyncClient, auth: Any, street_code: str, sessionmaker: Sessions
) -> None:
    community = f"{street_code}001"
    worker = auth(Role.COMMUNITY_WORKER, scope=community)
    cases = [
        (auth(Role.COMMUNITY_WORKER, scope=f"{street_code}002"), _body(community), 403),
        (worker, _body(street_code), 403),  # the street is above the community's scope
        (auth(Role.GRID_WORKER, scope=community), _body(community), 403),
        (auth(Role.RESIDENT, scope=community), _body(community), 403),
        (worker, _body(street_code[:6]), 422),  # a district is not a campaign's scope
        (
            worker,
            _body(community, ends_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat()),
            422,
        ),
        (
            worker,
            _body(community, ends_at=(datetime.now(UTC) + timedelta(days=400)).isoformat()),
            422,
        ),
        (worker, _body(community, ends_at="2026-12-05T10:00:00"), 422),  # no timezone
        (worker, _body(community, title="核\u0000查"), 422),
        (worker, _body(community, title="x" * 101), 422),
        (worker, _body("33010８001001"), 422),  # a full-width digit
        (worker, _body(community, budget=1), 422),
    ]
    for headers, body, status in cases:
        response = await client.post("/campaigns", json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await _campaigns(sessionmaker, street_code) == 0


async def test_contacts_outside_the_campaign_or_by_the_wrong_role_change_nothing(
    client: httpx.AsyncClient,
    auth: Any,
    make_community: Any,
    start_campaign: Any,
    street_code: str,
    sessionmaker: Sessions,
) -> None:
    community = await make_community(community_code=f"{street_code}001", per_building=2)
    outside = await make_community(community_code=f"{street_code}002", per_building=1)
    campaign = await start_campaign(community.code)
    base = f"/campaigns/{campaign['id']}"
    worker = auth(Role.GRID_WORKER, scope=community.code, grids=(community.place.grid_id,))
    household = str(next(iter(community.households)))

    def contact(**changes: Any) -> dict[str, Any]:
        return {"household_id": household, "outcome": "reached", "place": "door", **changes}

    cases = [
        (worker, contact(household_id=str(next(iter(outside.households)))), 404),
        (worker, contact(household_id=str(uuid.uuid4())), 404),
        (auth(Role.RESIDENT, scope=community.code), contact(), 403),
        (auth(Role.STREET_ADMIN, scope=street_code), contact(), 403),
        (worker, contact(outcome="tested"), 422),
        (worker, contact(place="phone"), 422),
        (worker, contact(household_id="not-a-uuid"), 422),
        (worker, contact(note="n" * 501), 422),
        (worker, contact(note="敲门\u0000"), 422),
    ]
    for headers, body, status in cases:
        response = await client.post(f"{base}/contacts", json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
    response = await client.post(
        f"{base}/contacts",
        json=contact(household_id=str(next(iter(outside.households)))),
        headers=worker,
    )
    assert response.json()["type"].endswith("household-not-in-campaign")
    # A worker of another street does not see the campaign at all.
    stranger = auth(Role.GRID_WORKER, scope=f"{street_code[:6]}999001")
    response = await client.post(f"{base}/contacts", json=contact(), headers=stranger)
    assert response.status_code == 404
    response = await client.get(f"{base}/coverage", headers=stranger)
    assert response.status_code == 404
    # Hostile query parameters are refused, not a 500.
    staff = auth(Role.COMMUNITY_WORKER, scope=community.code)
    for params in (
        {"cursor": "eyJ4IjoxfQ"},
        {"cursor": "%%%"},
        {"format": "xlsx"},
        {"reason": "lazy"},
        {"limit": 0},
        {"grid_id": "1"},
    ):
        response = await client.get(f"{base}/unreached", params=params, headers=staff)
        assert response.status_code == 422, (params, response.text)
    assert await _contacts(sessionmaker, campaign["id"]) == 0

    # A retry with the same Idempotency-Key is recorded once.
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post(f"{base}/contacts", json=contact(), headers={**worker, **key})
    again = await client.post(f"{base}/contacts", json=contact(), headers={**worker, **key})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert await _contacts(sessionmaker, campaign["id"]) == 1

    # Once completed, nothing more is recorded.
    response = await client.post(f"{base}/complete", headers=staff)
    assert response.status_code == 200
    response = await client.post(f"{base}/complete", headers=staff)
    assert response.status_code == 409
    response = await client.post(f"{base}/contacts", json=contact(), headers=worker)
    assert response.status_code == 409
    assert response.json()["type"].endswith("campaign-not-running")
    assert await _contacts(sessionmaker, campaign["id"]) == 1
