"""Training and job fairs over HTTP: a session never takes more trainees than its seats; a
certificate, for one who attended, adds the skill so the matching offers them orders needing
it; a job fair records enterprises, registrations, matches and outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from linli.testing import OutboxReader

Json = dict[str, Any]
Headers = dict[str, str]
Factory = Callable[..., Any]


async def test_a_certificate_makes_a_trainee_eligible_for_matching(
    client: httpx.AsyncClient,
    enrol: Factory,
    coordinator: Headers,
    post_order: Factory,
    resident: Callable[..., Headers],
    outbox: OutboxReader,
) -> None:
    trainees = [await enrol(f"学员{n}", account_subject=f"res-{n}", skills=[]) for n in range(3)]
    course = await client.post(
        "/courses",
        json={
            "community_code": "330108001001",
            "title": "串珠手工入门",
            "skill": "beading",
            "level": 2,
        },
        headers=coordinator,
    )
    assert course.status_code == 201, course.text
    starts = datetime.now(UTC) + timedelta(days=1)
    session = await client.post(
        f"/courses/{course.json()['id']}/sessions",
        json={
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "place": "邻里中心 201",
            "capacity": 2,
        },
        headers=coordinator,
    )
    assert session.status_code == 201, session.text
    path = f"/training-sessions/{session.json()['id']}"

    seats = await asyncio.gather(
        *(
            client.post(f"{path}/enrolments", json={}, headers=resident(f"res-{n}"))
            for n in range(3)
        )
    )
    assert sorted(s.status_code for s in seats) == [201, 201, 409]
    [full] = [s for s in seats if s.status_code == 409]
    assert full.json()["type"].endswith("/session-full") and full.json()["capacity"] == 2
    seated = [
        (t, n) for n, (t, s) in enumerate(zip(trainees, seats, strict=True)) if s.status_code == 201
    ]
    order = await post_order(quantity=100, batch_size=50, min_level=2)
    candidates = f"/work-orders/{order['id']}/candidates"
    monday = {"at": "2026-12-07T10:00:00+08:00"}
    assert (await client.get(candidates, params=monday, headers=coordinator)).json() == []

    (winner, winner_n), (absent, absent_n) = seated
    assert (
        await client.post(
            f"{path}/certificates", json={"member_id": winner["id"]}, headers=coordinator
        )
    ).status_code == 409
    for member, attended in ((winner, True), (absent, False)):
        recorded = await client.post(
            f"{path}/attendance",
            json={"member_id": member["id"], "attended": attended},
            headers=coordinator,
        )
        assert recorded.status_code == 200, recorded.text
    certified = await client.post(
        f"{path}/certificates", json={"member_id": winner["id"]}, headers=coordinator
    )
    assert certified.status_code == 201, certified.text
    refused = await client.post(
        f"{path}/certificates", json={"member_id": absent["id"]}, headers=coordinator
    )
    assert refused.json()["type"].endswith("/not-attended")
    again = await client.post(
        f"{path}/certificates", json={"member_id": winner["id"]}, headers=coordinator
    )
    assert again.status_code == 409

    profile = (await client.get(f"/members/{winner['id']}", headers=coordinator)).json()
    assert [(s["skill"], s["level"], s["source"]) for s in profile["skills"]] == [
        ("beading", 2, "certificate")
    ]
    assert [c["session_id"] for c in profile["certificates"]] == [session.json()["id"]]
    # The certified trainee is offered the order now and claims it; the absent one cannot.
    offered = (await client.get(candidates, params=monday, headers=coordinator)).json()
    assert [c["member_id"] for c in offered] == [winner["id"]]
    claims = f"/work-orders/{order['id']}/claims"
    assert (
        await client.post(claims, json={}, headers=resident(f"res-{winner_n}"))
    ).status_code == 201
    lacking = await client.post(claims, json={}, headers=resident(f"res-{absent_n}"))
    assert lacking.json()["type"].endswith("/skill-required")
    [event] = await outbox.data("certificate.issued")
    assert (event["member_id"], event["skill"], event["level"]) == (winner["id"], "beading", 2)


async def test_a_job_fair_records_enterprises_registrations_matches_and_outcomes(
    client: httpx.AsyncClient,
    enrol: Factory,
    coordinator: Headers,
    enterprise: Json,
    resident: Callable[..., Headers],
    outbox: OutboxReader,
) -> None:
    member = await enrol("求职者", account_subject="res-job")
    fair = await client.post(
        "/job-fairs",
        json={
            "community_code": "330108001001",
            "title": "东冠社区灵活就业招聘会",
            "held_on": "2026-12-20",
            "place": "社区广场",
        },
        headers=coordinator,
    )
    assert fair.status_code == 201, fair.text
    path = f"/job-fairs/{fair.json()['id']}"
    joined = await client.post(
        f"{path}/enterprises",
        json={"enterprise_id": enterprise["id"], "openings": 20, "positions": "串珠工"},
        headers=coordinator,
    )
    assert joined.status_code == 200, joined.text
    not_registered = await client.post(
        f"{path}/matches",
        json={"enterprise_id": enterprise["id"], "member_id": member["id"]},
        headers=coordinator,
    )
    assert not_registered.status_code == 409
    registered = await client.post(f"{path}/registrations", json={}, headers=resident("res-job"))
    assert registered.json()["registrations"] == 1
    matched = await client.post(
        f"{path}/matches",
        json={"enterprise_id": enterprise["id"], "member_id": member["id"]},
        headers=coordinator,
    )
    assert matched.status_code == 201
    hired = await client.put(
        f"/fair-matches/{matched.json()['id']}/outcome",
        json={"outcome": "hired"},
        headers=coordinator,
    )
    assert hired.json()["outcome"] == "hired"
    read = (await client.get(path, headers=coordinator)).json()
    assert (read["registrations"], read["hired"], len(read["enterprises"])) == (1, 1, 1)
    assert [t for t in await outbox.types() if t.startswith("job_fair.")] == [
        "job_fair.created",
        "job_fair.enterprise_joined",
        "job_fair.registered",
        "job_fair.matched",
        "job_fair.outcome_recorded",
    ]
