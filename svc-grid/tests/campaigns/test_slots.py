"""Slots by building: capacity holds under a burst, door-to-door households never get one,
residents see and move theirs, and a slot's durable timer reminds its households."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.timers import TimerPoller
from linli.grid.campaigns.timers import REMINDER_TIMER, WINDOW_TIMER
from linli.grid.models import CampaignHousehold, CampaignSlot
from linli.grid.models.roster import RosterMember

Sessions = async_sessionmaker[AsyncSession]


async def _fire_all(poller: TimerPoller, now: datetime) -> None:
    # Other tests' campaigns have timers too: fire until none is due.
    while await poller.fire_due(now=now):
        pass


def _slot(community_code: str, building: str, *, capacity: int, hours: int = 3) -> dict[str, Any]:
    starts = datetime.now(UTC) + timedelta(hours=hours)
    return {
        "community_code": community_code,
        "building": building,
        "station": f"{building}楼下采样点",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "capacity": capacity,
    }


async def test_a_slot_never_holds_more_than_its_capacity_and_door_to_door_never_gets_one(
    client: httpx.AsyncClient,
    auth: Any,
    make_community: Any,
    start_campaign: Any,
    community_code: str,
    sessionmaker: Sessions,
) -> None:
    community = await make_community(
        community_code=community_code, per_building=12, buildings=("1幢",), door_to_door=2
    )
    campaign = await start_campaign(community_code)
    base = f"/campaigns/{campaign['id']}"
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    response = await client.post(
        f"{base}/slots", json=_slot(community_code, "1幢", capacity=5), headers=staff
    )
    assert response.status_code == 201, response.text
    slot_id = response.json()["id"]

    station = sorted(set(community.households) - community.door_to_door)
    responses = await asyncio.gather(
        *(
            client.put(f"{base}/households/{h}/slot", json={"slot_id": slot_id}, headers=staff)
            for h in station
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 5 + [409] * 5, [r.text for r in responses if r.status_code >= 500]
    assert {r.json()["type"].rsplit("/", 1)[-1] for r in responses if r.status_code == 409} == {
        "slot-full"
    }
    async with sessionmaker() as session:
        slot = await session.get(CampaignSlot, uuid.UUID(slot_id))
        assert slot is not None and slot.assigned == 5
        holding = await session.scalar(
            select(func.count()).where(CampaignHousehold.slot_id == uuid.UUID(slot_id))
        )
    assert holding == 5

    # A door-to-door household is refused a slot, by the rule and by the table itself.
    door = sorted(community.door_to_door)[0]
    second = (
        await client.post(
            f"{base}/slots", json=_slot(community_code, "1幢", capacity=50, hours=5), headers=staff
        )
    ).json()["id"]
    response = await client.put(
        f"{base}/households/{door}/slot", json={"slot_id": second}, headers=staff
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("door-to-door-household")
    async with sessionmaker() as session:
        try:
            async with session.begin():
                row = await session.get(CampaignHousehold, (uuid.UUID(campaign["id"]), door))
                assert row is not None
                row.slot_id = uuid.UUID(second)
        except IntegrityError as exc:
            assert "door_to_door_no_slot" in str(exc)
        else:
            raise AssertionError("the table took a slot for a door-to-door household")

    # Scheduling fills the second slot with the five station households left, never the
    # door-to-door ones.
    response = await client.post(
        f"{base}/schedule", json={"community_code": community_code}, headers=staff
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"assigned": 5, "unscheduled": 0}
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(CampaignHousehold.household_id, CampaignHousehold.slot_id).where(
                    CampaignHousehold.campaign_id == uuid.UUID(campaign["id"])
                )
            )
        ).all()
    assert {h for h, s in rows if s is None} == community.door_to_door
    # A station household with a slot handed to a grid worker of its grid: its seat is freed.
    moved = station[0]
    response = await client.put(
        f"{base}/households/{moved}/door-to-door",
        json={"worker_subject": "nobody-here"},
        headers=staff,
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("worker-not-serving")
    response = await client.put(
        f"/grids/{community.place.grid_id}/workers/gw-hand", json={"name": "钱八"}, headers=staff
    )
    assert response.status_code == 200
    response = await client.put(
        f"{base}/households/{moved}/door-to-door",
        json={"worker_subject": "gw-hand"},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["mode"], response.json()["slot"]) == ("door_to_door", None)
    community.door_to_door.add(moved)
    async with sessionmaker() as session:
        seats = {
            s.id: s.assigned
            for s in (
                await session.scalars(
                    select(CampaignSlot).where(
                        CampaignSlot.campaign_id == uuid.UUID(campaign["id"])
                    )
                )
            ).all()
        }
    assert sum(seats.values()) == 9

    unreached = (await client.get(f"{base}/unreached", params={"limit": 100}, headers=staff)).json()
    reasons = {u["household_id"]: u["reason"] for u in unreached["items"]}
    assert {reasons[str(h)] for h in community.door_to_door} == {"door_to_door_pending"}
    assert set(reasons.values()) == {"door_to_door_pending", "scheduled"}


async def test_a_resident_sees_and_moves_their_slot_and_is_reminded_before_it(
    client: httpx.AsyncClient,
    auth: Any,
    issuer: Any,
    make_community: Any,
    start_campaign: Any,
    community_code: str,
    sessionmaker: Sessions,
    outbox: Any,
) -> None:
    community = await make_community(
        community_code=community_code, per_building=2, buildings=("1幢", "2幢")
    )
    campaign = await start_campaign(community_code)
    base = f"/campaigns/{campaign['id']}"
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    early = (
        await client.post(
            f"{base}/slots", json=_slot(community_code, "1幢", capacity=1), headers=staff
        )
    ).json()
    late = (
        await client.post(
            f"{base}/slots", json=_slot(community_code, "1幢", capacity=1, hours=6), headers=staff
        )
    ).json()
    other = (
        await client.post(
            f"{base}/slots", json=_slot(community_code, "2幢", capacity=9), headers=staff
        )
    ).json()
    first, second = community.in_building("1幢")
    response = await client.post(
        f"{base}/schedule",
        json={"community_code": community_code, "building": "1幢"},
        headers=staff,
    )
    assert response.json() == {"assigned": 2, "unscheduled": 0}

    async with sessionmaker() as session:
        resident = await session.scalar(
            select(RosterMember.resident_id).where(RosterMember.household_id == second)
        )
    me = issuer.headers(
        roles=[Role.RESIDENT], scope=community_code, subject="r-1", resident_id=str(resident)
    )
    mine = (await client.get(f"{base}/my-household", headers=me)).json()
    assert mine["household_id"] == str(second) and mine["slot"]["id"] == late["id"]

    # The earlier slot is full; the other building's is not theirs.
    response = await client.put(
        f"{base}/my-household/slot", json={"slot_id": early["id"]}, headers=me
    )
    assert response.status_code == 409 and response.json()["type"].endswith("slot-full")
    response = await client.put(
        f"{base}/my-household/slot", json={"slot_id": other["id"]}, headers=me
    )
    assert response.status_code == 422
    # A slot of their building with room: the move is granted at once, the old seat freed.
    roomy = (
        await client.post(
            f"{base}/slots", json=_slot(community_code, "1幢", capacity=3, hours=8), headers=staff
        )
    ).json()
    response = await client.put(
        f"{base}/my-household/slot", json={"slot_id": roomy["id"]}, headers=me
    )
    assert response.status_code == 200, response.text
    assert response.json()["slot"]["id"] == roomy["id"]
    slots = {
        s["id"]: s["assigned"] for s in (await client.get(f"{base}/slots", headers=staff)).json()
    }
    assert (slots[early["id"]], slots[late["id"]], slots[roomy["id"]]) == (1, 0, 1)
    moved = [
        e for e in await outbox.data("campaign.slot_assigned") if e["campaign_id"] == campaign["id"]
    ]
    assert [(e["by"], e["moved"]) for e in moved] == [
        ("schedule", False),
        ("schedule", False),
        ("resident", True),
    ]

    # A resident may not act as staff, nor read others' households.
    response = await client.get(f"{base}/households/{first}", headers=me)
    assert response.status_code == 403

    # An hour before the slot, its durable timer reminds the households still to come.
    poller = TimerPoller(sessionmaker, [REMINDER_TIMER, WINDOW_TIMER])
    await _fire_all(poller, datetime.now(UTC) + timedelta(hours=2, minutes=5))
    reminders = [
        e for e in await outbox.data("campaign.reminder_due") if e["campaign_id"] == campaign["id"]
    ]
    # Only the early slot is due; the other building's has nobody scheduled yet.
    assert [(e["household_id"], e["slot_id"]) for e in reminders] == [(str(first), early["id"])]
    # The window's end completes the campaign by itself.
    await _fire_all(poller, datetime.now(UTC) + timedelta(days=5))
    body = (await client.get(base, headers=staff)).json()
    assert body["status"] == "completed"
    completed = [
        e for e in await outbox.data("campaign.completed") if e["campaign_id"] == campaign["id"]
    ]
    assert len(completed) == 1 and completed[0]["automatic"] is True
    assert completed[0]["households_total"] == 4
