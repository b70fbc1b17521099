"""Activities and clubs through the hall's API: capacity exact under a burst of sign-ups, the
waiting list moving up under concurrent cancellations, check-in only with a place, who may do
what, and the events (ids and counts, no names)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.service_hall.models.activities import Activity, ActivitySignup, SignupStatus
from linli.testing import OutboxReader

# The fixtures' types (tests/conftest.py); Any, as the other tests of the hall have them.
Auth = Any
Resident = Any
ResidentMaker = Any


async def publish(
    client: httpx.AsyncClient, worker: dict[str, str], *, capacity: int, **fields: Any
) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=2)
    body = {
        "title": "重阳节包饺子",
        "place": "社区活动室",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "capacity": capacity,
        **fields,
    }
    response = await client.post("/activities", json=body, headers=worker)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def residents(make_resident: ResidentMaker, community_code: str, n: int) -> list[Resident]:
    return [await make_resident(community_code=community_code) for _ in range(n)]


async def stored(
    sessionmaker: async_sessionmaker[AsyncSession], activity_id: str
) -> tuple[Activity, dict[SignupStatus, int]]:
    async with sessionmaker() as session:
        activity = await session.get(Activity, uuid.UUID(activity_id))
        assert activity is not None
        rows = await session.execute(
            select(ActivitySignup.status, func.count())
            .where(ActivitySignup.activity_id == activity.id)
            .group_by(ActivitySignup.status)
        )
        return activity, dict(rows.all())


def problem(response: httpx.Response) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def test_a_burst_of_sign_ups_fills_the_capacity_exactly_and_queues_the_rest(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    make_resident: ResidentMaker,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    activity = await publish(client, worker, capacity=10)
    people = await residents(make_resident, community_code, 60)
    path = f"/activities/{activity['id']}/signups"
    # Every sixth resident presses twice at the same moment.
    answers = await asyncio.gather(
        *(client.post(path, json={}, headers=r.headers) for r in [*people, *people[::6]])
    )
    created = [a for a in answers if a.status_code == 201]
    assert len(created) == 60
    assert {problem(a) for a in answers if a.status_code != 201} == {"already-signed-up"}
    statuses = [a.json()["status"] for a in created]
    assert statuses.count("confirmed") == 10
    assert statuses.count("waiting") == 50
    assert (
        sorted(a.json()["queue_position"] for a in created if a.json()["status"] == "waiting")[-1]
        <= 50
    )

    row, counts = await stored(sessionmaker, activity["id"])
    assert (row.confirmed_count, row.waiting_count) == (10, 50)
    assert counts == {SignupStatus.CONFIRMED: 10, SignupStatus.WAITING: 50}
    listed = (await client.get(f"/activities/{activity['id']}/signups", headers=worker)).json()
    assert [s["queue_position"] for s in listed if s["status"] == "waiting"] == list(range(1, 51))
    events = [
        e for e in await outbox.data("activity.signed_up") if e["activity_id"] == activity["id"]
    ]
    assert len(events) == 60
    assert "name" not in str(events) and "王" not in str(events)
    mine = (await client.get(f"/activities/{activity['id']}", headers=people[0].headers)).json()
    assert mine["confirmed_count"] == 10
    assert mine["your_status"] in {"confirmed", "waiting"}


async def test_concurrent_cancellations_move_the_queue_up_in_order_in_the_same_transaction(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    make_resident: ResidentMaker,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    activity = await publish(client, worker, capacity=6)
    people = await residents(make_resident, community_code, 16)
    path = f"/activities/{activity['id']}/signups"
    for resident in people:  # one by one: the queue's order is known
        assert (await client.post(path, json={}, headers=resident.headers)).status_code == 201
    placed, queue = people[:6], people[6:]

    # Five with a place and two of the queue (its 2nd and 4th) give up at the same moment.
    leaving = [*placed[:5], queue[1], queue[3]]
    answers = await asyncio.gather(
        *(
            client.post(f"/activities/{activity['id']}/cancellations", json={}, headers=r.headers)
            for r in leaving
        )
    )
    assert {a.status_code for a in answers} == {200}
    promoted = [a.json()["promoted_resident_id"] for a in answers]
    staying = [r for r in queue if r not in leaving]
    # Whatever order the cancellations took, each freed place went to the first of the queue
    # then (one of the two leaving may have moved up before giving it back): nobody still
    # waiting is ahead of anyone who moved up, and the places end with the one who stayed and
    # the first five of the queue who stayed.
    order = [str(r.resident_id) for r in queue]
    moved_up = sorted((p for p in promoted if p is not None), key=order.index)
    still_waiting = [str(r.resident_id) for r in staying[5:]]
    assert len(moved_up) >= 5
    assert max(map(order.index, moved_up)) < min(map(order.index, still_waiting))
    row, counts = await stored(sessionmaker, activity["id"])
    assert (row.confirmed_count, row.waiting_count) == (6, 3)
    assert counts == {SignupStatus.CONFIRMED: 6, SignupStatus.WAITING: 3, SignupStatus.CANCELLED: 7}
    async with sessionmaker() as session:
        confirmed = set(
            await session.scalars(
                select(ActivitySignup.resident_id).where(
                    ActivitySignup.activity_id == uuid.UUID(activity["id"]),
                    ActivitySignup.status == SignupStatus.CONFIRMED,
                )
            )
        )
    assert confirmed == {r.resident_id for r in [placed[5], *staying[:5]]}
    moved = [
        e for e in await outbox.data("activity.promoted") if e["activity_id"] == activity["id"]
    ]
    assert sorted(str(e["resident_id"]) for e in moved) == sorted(moved_up)
    left = [
        e for e in await outbox.data("activity.cancelled") if e["activity_id"] == activity["id"]
    ]
    assert len(left) == 7
    assert all(int(str(e["confirmed_count"])) <= 6 for e in left)

    again = await client.post(
        f"/activities/{activity['id']}/cancellations", json={}, headers=placed[0].headers
    )
    assert again.status_code == 409
    assert problem(again) == "not-signed-up"


async def test_check_in_only_with_a_place_and_once(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    make_resident: ResidentMaker,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    activity = await publish(client, worker, capacity=1)
    placed, waiting, stranger = await residents(make_resident, community_code, 3)
    base = f"/activities/{activity['id']}"
    for r in (placed, waiting):
        assert (await client.post(f"{base}/signups", json={}, headers=r.headers)).status_code == 201

    refused = await client.post(f"{base}/check-ins", json={}, headers=stranger.headers)
    assert refused.status_code == 409
    assert problem(refused) == "not-signed-up"
    assert "did not sign up" in refused.json()["detail"]
    queued = await client.post(f"{base}/check-ins", json={}, headers=waiting.headers)
    assert queued.status_code == 409
    assert "waiting list" in queued.json()["detail"]
    # The counter does it for the resident, by id; a second time is refused.
    done = await client.post(
        f"{base}/check-ins", json={"resident_id": str(placed.resident_id)}, headers=worker
    )
    assert done.status_code == 200, done.text
    assert done.json()["checked_in_at"] is not None
    twice = await client.post(f"{base}/check-ins", json={}, headers=placed.headers)
    assert twice.status_code == 409
    assert problem(twice) == "already-checked-in"
    async with sessionmaker() as session:
        checked = await session.scalar(
            select(func.count()).where(
                ActivitySignup.activity_id == uuid.UUID(activity["id"]),
                ActivitySignup.checked_in_at.is_not(None),
            )
        )
    assert checked == 1
    events = [
        e for e in await outbox.data("activity.checked_in") if e["activity_id"] == activity["id"]
    ]
    assert [e["resident_id"] for e in events] == [str(placed.resident_id)]


async def test_wrong_role_and_scope_are_refused_and_nothing_changes(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    street_code: str,
    make_resident: ResidentMaker,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    resident = await make_resident(community_code=community_code)
    neighbour = await make_resident(community_code=f"{street_code}002")
    activity = await publish(client, worker, capacity=3)
    base = f"/activities/{activity['id']}"
    start = datetime.now(UTC) + timedelta(days=1)
    body = {
        "title": "x",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "capacity": 3,
    }
    assert (
        await client.post("/activities", json=body, headers=resident.headers)
    ).status_code == 403
    other_worker = auth(Role.COMMUNITY_WORKER, scope=f"{street_code}002")
    elsewhere = await client.post(
        "/activities", json={**body, "community_code": community_code}, headers=other_worker
    )
    assert elsewhere.status_code == 403
    bad = await client.post("/activities", json={**body, "capacity": 0}, headers=worker)
    assert bad.status_code == 422
    # Another community's resident does not see it; their worker cannot sign ours up.
    assert (await client.get(base, headers=neighbour.headers)).status_code == 404
    assert (
        await client.post(f"{base}/signups", json={}, headers=neighbour.headers)
    ).status_code == 404
    for_ours = await client.post(
        f"{base}/signups", json={"resident_id": str(resident.resident_id)}, headers=other_worker
    )
    assert for_ours.status_code == 404
    # A resident signs up only themselves.
    for_other = await client.post(
        f"{base}/signups",
        json={"resident_id": str(neighbour.resident_id)},
        headers=resident.headers,
    )
    assert for_other.status_code == 403
    forged = await client.get("/activities", params={"cursor": "x" * 2000}, headers=worker)
    assert forged.status_code == 422
    _, counts = await stored(sessionmaker, activity["id"])
    assert counts == {}
    listed = await client.get("/activities", headers=resident.headers)
    assert [a["id"] for a in listed.json()["items"]] == [activity["id"]]


async def test_clubs_are_joined_once(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    street_code: str,
    make_resident: ResidentMaker,
    outbox: OutboxReader,
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    club = await client.post("/clubs", json={"name": "夕阳红合唱团"}, headers=worker)
    assert club.status_code == 201, club.text
    club_id = club.json()["id"]
    resident = await make_resident(community_code=community_code)
    first = await client.post(f"/clubs/{club_id}/members", json={}, headers=resident.headers)
    again = await client.post(f"/clubs/{club_id}/members", json={}, headers=resident.headers)
    assert (first.json()["joined"], again.json()["joined"]) == (True, False)
    members = (await client.get(f"/clubs/{club_id}/members", headers=worker)).json()
    assert [m["resident_id"] for m in members] == [str(resident.resident_id)]
    listed = (await client.get("/clubs", headers=resident.headers)).json()["items"]
    assert [(c["id"], c["member_count"]) for c in listed] == [(club_id, 1)]
    joined = [e for e in await outbox.data("club.joined") if e["club_id"] == club_id]
    assert len(joined) == 1
    neighbour = await make_resident(community_code=f"{street_code}002")
    assert (
        await client.post(f"/clubs/{club_id}/members", json={}, headers=neighbour.headers)
    ).status_code == 404
    assert (
        await client.get(f"/clubs/{club_id}/members", headers=resident.headers)
    ).status_code == 403


async def test_hostile_input_is_refused_and_a_retried_sign_up_counts_once(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    make_resident: ResidentMaker,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    start = datetime.now(UTC) + timedelta(days=1)
    body = {
        "title": "书法\x00交流",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "capacity": 5,
    }
    for hostile in (
        body,
        {**body, "title": "书法交流", "community_code": "３３０１０８００１００１"},
        {**body, "title": "x" * 101},
        {**body, "title": "书法交流", "capacity": 10**30},
        {**body, "title": "书法交流", "starts_at": "2027-01-01T09:00:00"},  # no offset
    ):
        answer = await client.post("/activities", json=hostile, headers=worker)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    listed = await client.get("/activities", headers=worker)
    assert listed.json()["items"] == []

    activity = await publish(client, worker, capacity=5)
    resident = await make_resident(community_code=community_code)
    path = f"/activities/{activity['id']}/signups"
    retry = {**resident.headers, "Idempotency-Key": "signup-" + str(resident.resident_id)}
    first = await client.post(path, json={}, headers=retry)
    again = await client.post(path, json={}, headers=retry)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    _, counts = await stored(sessionmaker, activity["id"])
    assert counts == {SignupStatus.CONFIRMED: 1}
    forged = await client.post(
        f"/course-terms/{uuid.uuid4()}/allocation", json={"seed": -1}, headers=worker
    )
    assert forged.status_code == 422
