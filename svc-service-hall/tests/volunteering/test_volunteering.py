"""Volunteering through the hall's API: organisations and teams with members and leaders, a
burst of sign-ups never over capacity, check-in/out recording service hours, a volunteer's
total equal to the sum of their records, the community's ranking, and who may do what."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.service_hall.models.volunteering import ServiceHours, VolunteerSignup
from linli.testing import OutboxReader

# The fixtures' types (tests/conftest.py); Any, as the other tests of the hall have them.
Auth = Any
ResidentMaker = Any


async def publish(
    client: httpx.AsyncClient, who: dict[str, str], *, capacity: int = 50, **fields: Any
) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(hours=3)
    body = {
        "title": "周六小区环境清洁",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
        "capacity": capacity,
        **fields,
    }
    response = await client.post("/volunteer-activities", json=body, headers=who)
    assert response.status_code == 201, response.text
    return dict(response.json())


def problem(response: httpx.Response) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def test_a_burst_of_sign_ups_never_passes_the_capacity(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    make_resident: ResidentMaker,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    activity = await publish(client, worker, capacity=8)
    people = [await make_resident(community_code=community_code) for _ in range(40)]
    path = f"/volunteer-activities/{activity['id']}/signups"
    answers = await asyncio.gather(
        *(client.post(path, json={}, headers=p.headers) for p in [*people, *people[:5]])
    )
    assert sum(a.status_code == 201 for a in answers) == 8
    refusals = {problem(a) for a in answers if a.status_code != 201}
    assert refusals <= {"volunteer-activity-full", "volunteer-already-signed-up"}
    assert "volunteer-activity-full" in refusals
    async with sessionmaker() as session:
        rows = await session.scalar(
            select(func.count()).where(VolunteerSignup.activity_id == uuid.UUID(activity["id"]))
        )
    assert rows == 8
    listed = (await client.get("/volunteer-activities", headers=worker)).json()["items"]
    assert [a["signed_up_count"] for a in listed if a["id"] == activity["id"]] == [8]
    events = [
        e for e in await outbox.data("volunteer.signed_up") if e["activity_id"] == activity["id"]
    ]
    assert sorted(int(str(e["signed_up_count"])) for e in events) == list(range(1, 9))


async def test_hours_total_is_the_sum_of_the_check_outs_and_records_and_ranks_the_community(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    make_resident: ResidentMaker,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    team = await client.post(
        "/volunteer-organisations",
        json={"kind": "volunteer_team", "name": "东冠社区志愿者服务队"},
        headers=worker,
    )
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    leader, ana, bo = [await make_resident(community_code=community_code) for _ in range(3)]
    named = await client.post(
        f"/volunteer-organisations/{team_id}/members",
        json={"resident_id": str(leader.resident_id), "role": "leader"},
        headers=worker,
    )
    assert named.json()["role"] == "leader"
    self_leader = await client.post(
        f"/volunteer-organisations/{team_id}/members", json={"role": "leader"}, headers=ana.headers
    )
    assert self_leader.status_code == 403
    joined = await client.post(
        f"/volunteer-organisations/{team_id}/members", json={}, headers=ana.headers
    )
    assert joined.json()["role"] == "member"

    # The team's leader runs three activities; the volunteers check in and out of them.
    activities = [
        await publish(client, leader.headers, organisation_id=team_id, title=f"活动{n}")
        for n in range(3)
    ]
    now = datetime.now(UTC)
    spans = {  # minutes of service per activity, for Ana and Bo
        "ana": [95, 120, 30],
        "bo": [60, 45],
    }
    for who, name in ((ana, "ana"), (bo, "bo")):
        for activity, minutes in zip(activities, spans[name], strict=False):
            base = f"/volunteer-activities/{activity['id']}"
            assert (
                await client.post(f"{base}/signups", json={}, headers=who.headers)
            ).status_code == 201
            start = now - timedelta(minutes=minutes + 5)
            body = {"resident_id": str(who.resident_id)}
            checked_in = await client.post(
                f"{base}/check-ins", json={**body, "at": start.isoformat()}, headers=leader.headers
            )
            assert checked_in.status_code == 200, checked_in.text
            out = await client.post(
                f"{base}/check-outs",
                json={**body, "at": (start + timedelta(minutes=minutes, seconds=40)).isoformat()},
                headers=leader.headers,
            )
            assert out.status_code == 200, out.text
            assert out.json()["hours"]["minutes"] == minutes
    # The organiser records Bo's third by hand; twice is refused.
    third = f"/volunteer-activities/{activities[2]['id']}"
    assert (await client.post(f"{third}/signups", json={}, headers=bo.headers)).status_code == 201
    hand = {"resident_id": str(bo.resident_id), "minutes": 180, "note": "纸质签到表"}
    assert (await client.post(f"{third}/hours", json=hand, headers=worker)).status_code == 201
    assert (await client.post(f"{third}/hours", json=hand, headers=worker)).status_code == 409
    # A volunteer cannot record their own hours, nor back-date their check-in.
    assert (await client.post(f"{third}/hours", json=hand, headers=bo.headers)).status_code == 403
    assert (
        await client.post(f"{third}/check-ins", json={"at": now.isoformat()}, headers=ana.headers)
    ).status_code == 403

    for who, expected in ((ana, 95 + 120 + 30), (bo, 60 + 45 + 180)):
        mine = (await client.get("/volunteer-hours", headers=who.headers)).json()
        assert mine["total_minutes"] == expected
        assert mine["total_minutes"] == sum(h["minutes"] for h in mine["history"])
        async with sessionmaker() as session:
            stored = await session.scalar(
                select(func.sum(ServiceHours.minutes)).where(
                    ServiceHours.resident_id == who.resident_id
                )
            )
        assert stored == expected
        recorded = [
            e
            for e in await outbox.data("volunteer.hours_recorded")
            if e["resident_id"] == str(who.resident_id)
        ]
        assert sum(int(str(e["minutes"])) for e in recorded) == expected
        assert max(int(str(e["total_minutes"])) for e in recorded) == expected

    staff_view = await client.get(
        "/volunteer-hours", params={"resident_id": str(ana.resident_id)}, headers=worker
    )
    assert staff_view.json()["records"] == 3
    ranking = (await client.get("/volunteer-ranking", headers=ana.headers)).json()
    assert [(e["resident_id"], e["total_minutes"]) for e in ranking["entries"]] == [
        (str(bo.resident_id), 285),
        (str(ana.resident_id), 245),
    ]
    assert ranking["entries"][0]["name_masked"] == "王*"


async def test_check_in_and_out_steps_and_scopes_are_refused_clearly(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    street_code: str,
    make_resident: ResidentMaker,
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    activity = await publish(client, worker)
    base = f"/volunteer-activities/{activity['id']}"
    volunteer = await make_resident(community_code=community_code)
    stranger = await make_resident(community_code=community_code)
    neighbour = await make_resident(community_code=f"{street_code}002")

    not_signed = await client.post(f"{base}/check-ins", json={}, headers=stranger.headers)
    assert not_signed.status_code == 409
    assert problem(not_signed) == "volunteer-not-signed-up"
    assert (
        await client.post(f"{base}/signups", json={}, headers=volunteer.headers)
    ).status_code == 201
    early_out = await client.post(f"{base}/check-outs", json={}, headers=volunteer.headers)
    assert early_out.status_code == 409
    assert (
        await client.post(f"{base}/check-ins", json={}, headers=volunteer.headers)
    ).status_code == 200
    # Checked out within the minute: nothing to record, said so; the check-in stays.
    instant = await client.post(f"{base}/check-outs", json={}, headers=volunteer.headers)
    assert instant.status_code == 422
    assert problem(instant) == "volunteer-bad-duration"
    mine = (await client.get("/volunteer-hours", headers=volunteer.headers)).json()
    assert (mine["total_minutes"], mine["records"]) == (0, 0)

    assert (await client.get("/volunteer-activities", headers=neighbour.headers)).json()[
        "items"
    ] == []
    assert (
        await client.post(f"{base}/signups", json={}, headers=neighbour.headers)
    ).status_code == 404
    other_worker = auth(Role.COMMUNITY_WORKER, scope=f"{street_code}002")
    assert (
        await client.post(
            f"{base}/hours",
            json={"resident_id": str(volunteer.resident_id), "minutes": 60},
            headers=other_worker,
        )
    ).status_code == 404
    assert (
        await client.get(
            "/volunteer-hours",
            params={"resident_id": str(volunteer.resident_id)},
            headers=other_worker,
        )
    ).status_code == 404
    assert (
        await client.get(
            "/volunteer-ranking",
            params={"community_code": community_code},
            headers=neighbour.headers,
        )
    ).status_code == 403
    bad = await client.post(
        f"{base}/hours",
        json={"resident_id": str(volunteer.resident_id), "minutes": -5},
        headers=worker,
    )
    assert bad.status_code == 422
    assert (
        await client.post(
            "/volunteer-organisations",
            json={"kind": "social_organisation", "name": "x"},
            headers=volunteer.headers,
        )
    ).status_code == 403
