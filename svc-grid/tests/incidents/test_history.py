"""Incidents of a former system imported with their history: replayed through the state machine
at their own times, with timeline, events and SLA timers; a wrong history imports nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, func, select

from linli.cli.seed_grid import DEMO_CATEGORIES, demo_history
from linli.common.auth import Role
from linli.common.timers import Timer, TimerPoller
from linli.grid.incidents.timers import SLA_TIMER as SLA_TIMER_KIND
from linli.grid.models import Incident
from linli.testing import short_type

Cast = Any
Auth = Any


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def historic(cast: Cast, days: float, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "category": cast.category,
        "title": "楼道堆物（历史工单）",
        "description": "三楼楼道堆满纸箱",
        "building_id": str(cast.place.building_id),
        "reported_at": ago(days=days),
        "steps": steps,
    }


async def test_a_history_is_replayed_at_its_times_and_an_overdue_one_escalates(
    client: httpx.AsyncClient, cast: Cast, auth: Auth, sessionmaker: Any
) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(delete(Timer))
    city = auth(Role.CITY_ADMIN, scope="3301")
    dispatch = {"assignee_subject": cast.worker_subject, "assignee_name": "李四"}
    body = {
        "incidents": [
            historic(
                cast,
                20,
                [
                    {"action": "dispatch", "at": ago(days=20, hours=-1), **dispatch},
                    {"action": "accept", "at": ago(days=20, hours=-2)},
                    {"action": "resolve", "at": ago(days=19), "note": "已清理"},
                    {"action": "rate", "at": ago(days=18), "rating": 4},
                ],
            ),
            # Reported ten days ago and never dispatched: its deadline has long passed.
            historic(cast, 10, []),
        ]
    }
    imported = await client.post("/incidents/history", json=body, headers=city)
    assert imported.status_code == 201, imported.text
    verified_id, overdue_id = (str(i) for i in imported.json()["ids"])

    verified = await cast.read(verified_id)
    assert (verified["status"], verified["rating"], verified["source"]) == (
        "verified",
        4,
        "resident",
    )
    assert [s["action"] for s in verified["timeline"]] == [
        "report", "dispatch", "accept", "resolve", "rate",
    ]  # fmt: skip
    reported_at = datetime.fromisoformat(verified["created_at"])
    assert timedelta(days=19.9) < datetime.now(UTC) - reported_at < timedelta(days=20.1)
    assert verified["timeline"][3]["actor_role"] == "grid_worker"
    events = [short_type(m.type) for m in await cast.events(verified_id)]
    assert events == [
        "incident.reported", "incident.dispatched", "incident.accepted", "incident.resolved",
        "incident.rated", "incident.verified",
    ]  # fmt: skip

    stats = await client.get("/incidents/stats", headers=cast.community)
    assert stats.json()["total"]["overdue"] >= 1
    # The first poll after the import escalates the overdue one, as it would a live incident.
    assert await TimerPoller(sessionmaker, [SLA_TIMER_KIND]).fire_due() == 1
    escalated = await cast.read(overdue_id)
    assert (escalated["level"], escalated["status"]) == ("street", "escalated")
    assert escalated["timeline"][-1]["actor_role"] == "system"


async def test_a_wrong_history_imports_nothing(
    client: httpx.AsyncClient, cast: Cast, auth: Auth, sessionmaker: Any
) -> None:
    city = auth(Role.CITY_ADMIN, scope="3301")
    async with sessionmaker() as session:
        before = await session.scalar(select(func.count()).select_from(Incident))
    good = historic(cast, 3, [])
    cases = [
        # accept before any dispatch: the machine's 409, naming the state
        (historic(cast, 3, [{"action": "accept", "at": ago(days=2)}]), 409, "reported"),
        (historic(cast, 3, [{"action": "dispatch", "at": ago(days=2)}]), 422, "names its handler"),
        (historic(cast, 3, [{"action": "close", "at": ago(days=4)}]), 422, "in time"),
        (
            {**good, "reported_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
            422,
            "future",
        ),
        ({**good, "reported_at": "2026-11-01T08:00:00"}, 422, "timezone"),
        ({**good, "category": "no.such"}, 422, "no category"),
    ]
    for wrong, status, words in cases:
        refused = await client.post(
            "/incidents/history", json={"incidents": [good, wrong]}, headers=city
        )
        assert refused.status_code == status, refused.text
        assert words in refused.text
    outside = await client.post(
        "/incidents/history",
        json={"incidents": [good]},
        headers=auth(Role.COMMUNITY_WORKER, scope="330108999001"),
    )
    assert outside.status_code == 403
    resident = await client.post(
        "/incidents/history", json={"incidents": [good]}, headers=cast.resident
    )
    assert resident.status_code == 403
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Incident)) == before


async def test_the_demo_history_imports_in_every_state_and_the_overdue_climb(
    client: httpx.AsyncClient, cast: Cast, sessionmaker: Any, make_category: Any
) -> None:
    """`make run`'s three weeks of 东冠社区 (linli.cli.seed_grid), against this service."""
    async with sessionmaker.begin() as session:
        await session.execute(delete(Timer))
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    # Categories of this test's own, with the demo's SLAs.
    categories = {
        demo["code"]: await make_category(
            dispatch_sla_minutes=demo["dispatch_sla_minutes"],
            resolve_sla_hours=demo["resolve_sla_hours"],
        )
        for demo in DEMO_CATEGORIES
    }
    history = demo_history(
        now=now, worker_subject=cast.worker_subject, buildings=[str(cast.place.building_id)]
    )
    assert history == demo_history(
        now=now, worker_subject=cast.worker_subject, buildings=[str(cast.place.building_id)]
    )
    for item in history:
        item["category"] = categories[item["category"]]
    imported = await client.post(
        "/incidents/history", json={"incidents": history}, headers=cast.community
    )
    assert imported.status_code == 201, imported.text
    ids = [str(i) for i in imported.json()["ids"]]
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Incident).where(Incident.id.in_(ids)))).all()
    states = {row.status.value for row in rows}
    assert states >= {
        "reported", "dispatched", "accepted", "in_progress", "resolved", "verified", "closed",
        "returned", "escalated",
    }  # fmt: skip
    assert {row.level.value for row in rows} == {"community", "street", "city"}
    oldest = min(row.created_at for row in rows)
    assert now - oldest > timedelta(days=20)
    stats = (await client.get("/incidents/stats", headers=cast.community)).json()["total"]
    assert stats["overdue"] >= 3 and stats["escalated"] >= 3
    # The overdue ones below the city climb at the first poll, each once.
    fired = await TimerPoller(sessionmaker, [SLA_TIMER_KIND]).fire_due()
    assert fired >= 1
    assert await TimerPoller(sessionmaker, [SLA_TIMER_KIND]).fire_due() == 0
