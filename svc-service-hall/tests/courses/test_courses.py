"""The elder college through the hall's API: the rule of N courses per member (a sixth of five
refused naming it, under concurrency too), the 60+ rule by birth year, the lottery within the
rules and reproducible from its recorded seed, attendance, and who may do what."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.service_hall import calendar
from linli.service_hall.courses.lottery import Choice, draw
from linli.service_hall.models.courses import CourseChoice, TermMember
from linli.testing import OutboxReader

# The fixtures' types (tests/conftest.py); Any, as the other tests of the hall have them.
Auth = Any
ResidentMaker = Any


async def open_term(
    client: httpx.AsyncClient, admin: dict[str, str], *, limit: int, **fields: Any
) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "name": "2027年春季学期",
        "max_courses_per_member": limit,
        "selection_opens_at": (now - timedelta(hours=1)).isoformat(),
        "selection_closes_at": (now + timedelta(days=7)).isoformat(),
        **fields,
    }
    response = await client.post("/course-terms", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def offer(
    client: httpx.AsyncClient, admin: dict[str, str], term_id: str, title: str, **fields: Any
) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=10)
    body = {
        "title": title,
        "capacity": 20,
        "sessions": [(start + timedelta(weeks=n)).isoformat() for n in range(3)],
        **fields,
    }
    response = await client.post(f"/course-terms/{term_id}/courses", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def problem(response: httpx.Response) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def test_a_sixth_course_when_the_rule_is_five_is_refused_naming_the_rule(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    street_code: str,
    make_resident: ResidentMaker,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    term = await open_term(client, admin, limit=5)
    courses = [await offer(client, admin, term["id"], f"课程{n}") for n in range(8)]
    member = await make_resident(community_code=community_code)
    path = f"/course-terms/{term['id']}/choices"
    for n, course in enumerate(courses[:5], start=1):
        chosen = await client.post(path, json={"course_id": course["id"]}, headers=member.headers)
        assert chosen.status_code == 201, chosen.text
        assert chosen.json()["rank"] == n
    sixth = await client.post(path, json={"course_id": courses[5]["id"]}, headers=member.headers)
    assert sixth.status_code == 422
    body = sixth.json()
    assert problem(sixth) == "course-limit-reached"
    assert body["rule"] == "max_courses_per_member"
    assert body["limit"] == 5
    assert "at most 5 courses" in body["detail"]
    repeat = await client.post(path, json={"course_id": courses[0]["id"]}, headers=member.headers)
    assert repeat.status_code == 422  # at the limit, the rule answers first

    # Withdrawn while the window is open: the later choices move up, and a fifth fits again.
    withdrawn = await client.delete(f"{path}/{courses[2]['id']}", headers=member.headers)
    assert withdrawn.status_code == 204
    missing = await client.delete(f"{path}/{courses[2]['id']}", headers=member.headers)
    assert missing.status_code == 404
    ranks = [
        (c["course_id"], c["rank"]) for c in (await client.get(path, headers=member.headers)).json()
    ]
    assert ranks == [(c["id"], n) for n, c in enumerate([*courses[:2], *courses[3:5]], start=1)]
    fifth = await client.post(path, json={"course_id": courses[5]["id"]}, headers=member.headers)
    assert fifth.status_code == 201
    assert fifth.json()["rank"] == 5
    assert len(await outbox.data("course.withdrawn")) >= 1

    # Eight choices by one member at the same moment: exactly five.
    eager = await make_resident(community_code=community_code)
    answers = await asyncio.gather(
        *(client.post(path, json={"course_id": c["id"]}, headers=eager.headers) for c in courses)
    )
    assert sorted(a.status_code for a in answers) == [201] * 5 + [422] * 3
    assert sorted(a.json()["rank"] for a in answers if a.status_code == 201) == [1, 2, 3, 4, 5]
    async with sessionmaker() as session:
        for who in (member, eager):
            stored = await session.scalar(
                select(func.count()).where(
                    CourseChoice.term_id == uuid.UUID(term["id"]),
                    CourseChoice.resident_id == who.resident_id,
                )
            )
            count = await session.scalar(
                select(TermMember.choice_count).where(
                    TermMember.term_id == uuid.UUID(term["id"]),
                    TermMember.resident_id == who.resident_id,
                )
            )
            assert (stored, count) == (5, 5)
    listed = await client.get(path, headers=member.headers)
    assert [c["course_id"] for c in listed.json()] == [
        c["id"] for c in [*courses[:2], *courses[3:6]]
    ]
    selected = [e for e in await outbox.data("course.selected") if e["term_id"] == term["id"]]
    assert len(selected) == 11


async def test_a_60_plus_course_takes_members_60_or_older_by_birth_year(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    street_code: str,
    make_resident: ResidentMaker,
) -> None:
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    term = await open_term(client, admin, limit=5)
    course = await offer(client, admin, term["id"], "太极拳（60岁以上）", min_age=60)
    year = calendar.today().year
    young = await make_resident(community_code=community_code, birth_year=year - 59)
    old = await make_resident(community_code=community_code, birth_year=year - 60)
    path = f"/course-terms/{term['id']}/choices"
    refused = await client.post(path, json={"course_id": course["id"]}, headers=young.headers)
    assert refused.status_code == 422
    assert problem(refused) == "course-age-rule"
    assert refused.json()["rule"] == "min_age"
    assert f"born in {year - 60} or earlier" in refused.json()["detail"]
    accepted = await client.post(path, json={"course_id": course["id"]}, headers=old.headers)
    assert accepted.status_code == 201
    read = (await client.get(f"/course-terms/{term['id']}/courses", headers=old.headers)).json()
    assert read[0]["chosen_count"] == 1
    # Staff choosing for a member at the counter meet the same rule.
    for_young = await client.post(
        path,
        json={"course_id": course["id"], "resident_id": str(young.resident_id)},
        headers=auth(Role.COMMUNITY_WORKER, scope=community_code),
    )
    assert for_young.status_code == 422


async def test_the_lottery_allocates_within_the_rules_reproducibly_from_its_seed(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    street_code: str,
    make_resident: ResidentMaker,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    term = await open_term(client, admin, limit=2)
    pottery = await offer(client, admin, term["id"], "陶艺", capacity=4)
    painting = await offer(client, admin, term["id"], "国画", capacity=3)
    singing = await offer(client, admin, term["id"], "声乐", capacity=30)
    members = [await make_resident(community_code=community_code) for _ in range(12)]
    path = f"/course-terms/{term['id']}/choices"
    for n, member in enumerate(members):
        first, second = (pottery, painting) if n % 3 else (painting, singing)
        for course in (first, second):
            chosen = await client.post(
                path, json={"course_id": course["id"]}, headers=member.headers
            )
            assert chosen.status_code == 201, chosen.text

    allocation = f"/course-terms/{term['id']}/allocation"
    early = await client.post(allocation, json={"seed": 20270301}, headers=admin)
    assert early.status_code == 409  # the window is open: only with close_early
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    assert (
        await client.post(allocation, json={"seed": 1, "close_early": True}, headers=worker)
    ).status_code == 403
    answer = await client.post(
        allocation, json={"seed": 20270301, "close_early": True}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["seed"] == 20270301
    assert result["members"] == 12
    by_course = {c["course_id"]: c for c in result["courses"]}
    assert by_course[pottery["id"]]["oversubscribed"] is True
    assert by_course[pottery["id"]]["allocated_count"] == 4
    assert by_course[painting["id"]]["allocated_count"] == 3

    async with sessionmaker() as session:
        stored = (
            await session.scalars(
                select(CourseChoice).where(CourseChoice.term_id == uuid.UUID(term["id"]))
            )
        ).all()
    won = {(c.resident_id, c.course_id) for c in stored if c.status == "allocated"}
    per_member: dict[uuid.UUID, int] = {}
    for resident_id, _ in won:
        per_member[resident_id] = per_member.get(resident_id, 0) + 1
    assert max(per_member.values()) <= 2
    capacities = {uuid.UUID(c["id"]): c["capacity"] for c in (pottery, painting, singing)}
    for course_id, capacity in capacities.items():
        assert sum(1 for _, c in won if c == course_id) <= capacity
    # Singing had seats for all who chose it: all got one, whatever the draw.
    singers = {c.resident_id for c in stored if c.course_id == uuid.UUID(singing["id"])}
    assert singers == {r for r, c in won if c == uuid.UUID(singing["id"])}
    # Replayed from the recorded seed and the stored choices: the same seats.
    inputs = [Choice(c.resident_id, c.course_id, c.rank) for c in stored]
    assert draw(20270301, capacities=capacities, choices=inputs, limit=2) == won
    assert draw(20270301, capacities=capacities, choices=list(reversed(inputs)), limit=2) == won
    other_seeds = {draw(s, capacities=capacities, choices=inputs, limit=2) for s in range(20)}
    assert len(other_seeds) > 1  # the seed does decide: not first come

    events = [e for e in await outbox.data("course.allocated") if e["term_id"] == term["id"]]
    assert len(events) == 3
    assert {e["seed"] for e in events} == {20270301}
    pottery_event = next(e for e in events if e["course_id"] == pottery["id"])
    assert set(map(str, pottery_event["resident_ids"])) == {  # type: ignore[call-overload]
        str(r) for r, c in won if c == uuid.UUID(pottery["id"])
    }
    read = await client.get(allocation, headers=members[0].headers)
    assert read.json()["seed"] == 20270301
    again = await client.post(allocation, json={"close_early": True}, headers=admin)
    assert again.status_code == 409
    late = await client.post(path, json={"course_id": singing["id"]}, headers=members[1].headers)
    assert late.status_code == 409
    mine = (await client.get(path, headers=members[0].headers)).json()
    assert {c["status"] for c in mine} <= {"allocated", "not_allocated"}

    # The register of a session: members with a seat only, each once.
    roster = (await client.get(f"/courses/{pottery['id']}/members", headers=admin)).json()
    assert {uuid.UUID(m["resident_id"]) for m in roster} == {
        r for r, c in won if c == uuid.UUID(pottery["id"])
    }
    assert (
        await client.get(f"/courses/{pottery['id']}/members", headers=members[0].headers)
    ).status_code == 403
    winner = next(r for r, c in won if c == uuid.UUID(pottery["id"]))
    loser = next(
        m.resident_id for m in members if (m.resident_id, uuid.UUID(pottery["id"])) not in won
    )
    session_id = pottery["sessions"][0]["id"]
    register = f"/courses/{pottery['id']}/sessions/{session_id}/attendance"
    refused = await client.post(
        register, json={"resident_ids": [str(winner), str(loser)]}, headers=admin
    )
    assert refused.status_code == 422
    assert refused.json()["resident_ids"] == [str(loser)]
    taken = await client.post(register, json={"resident_ids": [str(winner)]}, headers=admin)
    assert taken.json() == {"session_id": session_id, "recorded": 1, "present": 1}
    twice = await client.post(register, json={"resident_ids": [str(winner)]}, headers=admin)
    assert twice.json()["recorded"] == 0
    attended = [e for e in await outbox.data("course.attended") if e["term_id"] == term["id"]]
    assert [e["resident_id"] for e in attended] == [str(winner)]


async def test_a_seed_is_drawn_and_recorded_when_none_is_given_and_scopes_hold(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    street_code: str,
    make_resident: ResidentMaker,
) -> None:
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    resident = await make_resident(community_code=community_code)
    now = datetime.now(UTC)
    body = {
        "name": "x",
        "max_courses_per_member": 5,
        "selection_opens_at": now.isoformat(),
        "selection_closes_at": (now + timedelta(days=1)).isoformat(),
    }
    assert (
        await client.post("/course-terms", json=body, headers=resident.headers)
    ).status_code == 403
    other_street = auth(Role.STREET_ADMIN, scope="330108999")
    assert (
        await client.post(
            "/course-terms", json={**body, "division_code": street_code}, headers=other_street
        )
    ).status_code == 403
    assert (
        await client.post(
            "/course-terms", json={**body, "max_courses_per_member": 0}, headers=admin
        )
    ).status_code == 422
    term = await open_term(client, admin, limit=5)
    course = await offer(client, admin, term["id"], "书法")
    outsider = await make_resident(community_code="330108999001")
    assert (
        await client.get(f"/course-terms/{term['id']}", headers=outsider.headers)
    ).status_code == 404
    assert (
        await client.post(
            f"/course-terms/{term['id']}/choices",
            json={"course_id": course["id"]},
            headers=outsider.headers,
        )
    ).status_code == 404
    assert (
        await client.post(
            f"/course-terms/{term['id']}/courses",
            json={"title": "x", "capacity": 1},
            headers=resident.headers,
        )
    ).status_code == 403
    # The community's worker reads the street's college.
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    listed = await client.get("/course-terms", headers=worker)
    assert term["id"] in [t["id"] for t in listed.json()["items"]]
    seen = await client.get("/course-terms", headers=resident.headers)
    assert term["id"] in [t["id"] for t in seen.json()["items"]]
    answer = await client.post(
        f"/course-terms/{term['id']}/allocation", json={"close_early": True}, headers=admin
    )
    assert answer.status_code == 200
    read = (await client.get(f"/course-terms/{term['id']}", headers=admin)).json()
    assert read["status"] == "allocated"
    assert read["seed"] == answer.json()["seed"]
    assert 0 <= read["seed"] < 2**63
