"""Escalation up the levels, by staff and by the SLA's durable timer, exactly once per level."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.timers import Timer, TimerPoller
from linli.grid.app import create_app
from linli.grid.config import Settings
from linli.grid.incidents.service import SLA_TIMER, on_sla_due
from linli.grid.incidents.timers import SLA_TIMER as SLA_TIMER_KIND
from linli.testing import serve_app, short_type
from linli.testing.tokens import TestIssuer

Sessions = async_sessionmaker[AsyncSession]
Cast = Any
Auth = Any


def later(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


@pytest.fixture(autouse=True)
async def _no_other_timers(sessionmaker: Sessions) -> None:
    """Timers of earlier tests' incidents would fire too when a test stands days ahead."""
    async with sessionmaker.begin() as session:
        await session.execute(delete(Timer))


@pytest.fixture
def poller(sessionmaker: Sessions) -> TimerPoller:
    """A replica's timer poller, driven by the test at whatever time it stands."""
    return TimerPoller(sessionmaker, [SLA_TIMER_KIND])


async def escalations(cast: Cast, incident_id: str) -> list[dict[str, Any]]:
    return [
        {"subject": m.subject, **m.payload["data"]}
        for m in await cast.events(incident_id)
        if short_type(m.type) == "incident.escalated"
    ]


async def test_staff_escalate_up_the_levels_to_the_city(
    client: httpx.AsyncClient, cast: Cast, auth: Auth
) -> None:
    community = cast.place.community_code
    street = auth(Role.STREET_ADMIN, scope=community[:9])
    district = auth(Role.DISTRICT_ADMIN, scope=community[:6])
    city = auth(Role.CITY_ADMIN, scope=community[:4])
    incident_id = (await cast.report())["id"]

    up = await cast.step(incident_id, "escalate", by=cast.community, note="涉及多个部门")
    assert up.status_code == 200, up.text
    assert (up.json()["status"], up.json()["level"], up.json()["escalations"]) == (
        "escalated",
        "street",
        1,
    )
    # The community no longer handles it; the street does, and sees it.
    late = await cast.dispatch(incident_id)
    assert late.status_code == 409
    assert late.json()["state"] == "escalated"
    assert (await cast.dispatch(incident_id, by=street)).status_code == 200
    assert (await cast.step(incident_id, "escalate", by=street, note="需区级协调")).json()[
        "level"
    ] == "district"
    assert (await cast.step(incident_id, "escalate", by=district, note="需市级")).json()[
        "level"
    ] == "city"
    top = await cast.step(incident_id, "escalate", by=city, note="再升")
    assert top.status_code == 409
    assert "escalate" not in top.json()["allowed"]
    # A level that was never its handler is refused by role, not by state.
    assert (await cast.step(incident_id, "close", by=cast.resident, note="x")).status_code == 403

    sent = await escalations(cast, incident_id)
    assert [(e["to_level"], e["copy_on"]) for e in sent] == [
        ("street", "community"),
        ("street", "level"),
        ("district", "community"),
        ("district", "level"),
        ("city", "community"),
        ("city", "level"),
    ]
    on_community = f"linli.{community[:4]}.{community[:6]}.{community[:9]}.{community}"
    assert sent[0]["subject"] == f"{on_community}.grid.incident.escalated"
    assert sent[1]["subject"] == (
        f"linli.{community[:4]}.{community[:6]}.{community[:9]}._.grid.incident.escalated"
    )
    assert (
        sent[3]["subject"] == f"linli.{community[:4]}.{community[:6]}._._.grid.incident.escalated"
    )
    assert sent[5]["subject"] == f"linli.{community[:4]}._._._.grid.incident.escalated"
    assert all(e["automatic"] is False for e in sent)
    steps = (await cast.read(incident_id, by=city))["timeline"]
    assert [s["note"] for s in steps if s["action"] == "escalate"] == [
        "涉及多个部门",
        "需区级协调",
        "需市级",
    ]


async def test_two_staff_escalating_at_once_escalate_once(cast: Cast, auth: Auth) -> None:
    incident_id = (await cast.report())["id"]
    colleague = auth(Role.COMMUNITY_WORKER, scope=cast.place.community_code)
    answers = await asyncio.gather(
        cast.step(incident_id, "escalate", by=cast.community, note="a"),
        cast.step(incident_id, "escalate", by=colleague, note="b"),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    detail = await cast.read(incident_id)
    assert (detail["level"], detail["escalations"]) == ("street", 1)
    assert len(await escalations(cast, incident_id)) == 2  # one escalation, two subjects


async def test_an_undispatched_incident_climbs_once_per_level_with_two_pollers(
    cast: Cast, make_category: Any, sessionmaker: Sessions
) -> None:
    cast.category = await make_category(dispatch_sla_minutes=30, resolve_sla_hours=2)
    incident_id = (await cast.report())["id"]
    first, second = (TimerPoller(sessionmaker, [SLA_TIMER_KIND]) for _ in range(2))

    assert await first.fire_due(now=later(minutes=29)) == 0
    # Two replicas polling at once, a day on: every level's deadline has passed.
    await asyncio.gather(
        first.fire_due(now=later(days=1)),
        second.fire_due(now=later(days=1)),
        first.fire_due(now=later(days=1)),
    )
    detail = await cast.read(incident_id)
    assert (detail["level"], detail["status"], detail["escalations"]) == ("city", "escalated", 3)
    sent = await escalations(cast, incident_id)
    assert [(e["to_level"], e["copy_on"]) for e in sent] == [
        (level, copy) for level in ("street", "district", "city") for copy in ("community", "level")
    ]
    assert all(e["automatic"] and e["actor_role"] == "system" for e in sent)
    steps = [s for s in detail["timeline"] if s["action"] == "escalate"]
    assert [s["actor_role"] for s in steps] == ["system"] * 3
    assert "not dispatched in time" in steps[0]["note"]
    # At the top nothing is armed any more: polling again changes nothing.
    assert await first.fire_due(now=later(days=30)) == 0
    assert len(await escalations(cast, incident_id)) == 6


async def test_a_dispatched_incident_escalates_when_its_resolve_deadline_passes(
    cast: Cast, make_category: Any, poller: TimerPoller, sessionmaker: Sessions
) -> None:
    cast.category = await make_category(dispatch_sla_minutes=30, resolve_sla_hours=2)
    incident_id = (await cast.report())["id"]
    assert (await cast.dispatch(incident_id)).status_code == 200
    # Dispatched in time: the dispatch deadline no longer counts, the resolve one does.
    assert await poller.fire_due(now=later(minutes=45)) == 0
    assert (await cast.read(incident_id))["level"] == "community"
    single = TimerPoller(sessionmaker, [SLA_TIMER_KIND], batch_size=1)
    assert await single.fire_due(now=later(hours=2, minutes=1)) == 1
    detail = await cast.read(incident_id)
    assert (detail["level"], detail["status"], detail["assignee_name_masked"]) == (
        "street",
        "escalated",
        None,
    )
    assert "not resolved in time" in detail["timeline"][-1]["note"]


async def test_resolving_or_closing_disarms_the_sla(
    cast: Cast, poller: TimerPoller, sessionmaker: Sessions
) -> None:
    resolved = await cast.resolved()
    reported = (await cast.report())["id"]
    closed = await cast.step(reported, "close", by=cast.community, note="非事件")
    assert closed.status_code == 200
    assert await poller.fire_due(now=later(days=3)) == 0
    for incident_id in (resolved, reported):
        assert (await cast.read(incident_id))["level"] == "community"
        async with sessionmaker() as session:
            assert await session.scalar(select(Timer).where(Timer.key == incident_id)) is None


async def test_a_staff_escalation_first_leaves_the_timer_of_that_level_nothing_to_do(
    cast: Cast, poller: TimerPoller, sessionmaker: Sessions
) -> None:
    incident_id = (await cast.report())["id"]
    async with sessionmaker() as session:
        stale = await session.scalar(select(Timer).where(Timer.key == incident_id))
        assert stale is not None and stale.payload["level"] == "community"
    assert (
        await cast.step(incident_id, "escalate", by=cast.community, note="x")
    ).status_code == 200
    # The community's timer, had it been claimed just before, finds the incident at the street.
    async with sessionmaker.begin() as session:
        await on_sla_due(session, uuid.UUID(incident_id), "community")
    detail = await cast.read(incident_id)
    assert (detail["level"], detail["escalations"]) == ("street", 1)


async def test_the_apps_poller_fires_a_timer_a_previous_instance_armed(
    settings: Settings, issuer: TestIssuer, cast: Cast, sessionmaker: Sessions
) -> None:
    """A timer armed before a restart fires after it, in the app's own worker (the frame hook)."""
    incident_id = (await cast.report())["id"]
    async with sessionmaker.begin() as session:
        # The deadline passed while no replica ran.
        await session.execute(
            update(Timer)
            .where(Timer.kind == SLA_TIMER, Timer.key == incident_id)
            .values(due_at=later(seconds=-1))
        )
    restarted = settings.model_copy(update={"run_timers": True, "timer_poll_interval_s": 0.05})
    async with serve_app(create_app(restarted, token_verifier=issuer.verifier())) as client:
        async with asyncio.timeout(10):
            while True:
                response = await client.get(f"/incidents/{incident_id}", headers=cast.community)
                if response.json()["level"] == "street":
                    break
                await asyncio.sleep(0.05)
    assert len(await escalations(cast, incident_id)) == 2


async def test_a_district_wildcard_subscriber_sees_every_step(
    cast: Cast, auth: Auth, nats_url: str
) -> None:
    """Through the outbox relay and real NATS: the district's system follows its subtree."""
    community = cast.place.community_code
    connection = await nats.connect(nats_url)
    try:
        subscription = await connection.subscribe(f"linli.{community[:4]}.{community[:6]}.>")
        incident_id = (await cast.report())["id"]
        await cast.step(incident_id, "escalate", by=cast.community, note="需街道协调")
        street = auth(Role.STREET_ADMIN, scope=community[:9])
        assert (await cast.dispatch(incident_id, by=street)).status_code == 200
        wanted = [
            "incident.reported",
            "incident.escalated",
            "incident.escalated",
            "incident.dispatched",
        ]
        seen: list[tuple[str, str]] = []
        async with asyncio.timeout(15):
            while len(seen) < len(wanted):
                message = await subscription.next_msg(timeout=15)
                event = json.loads(message.data)
                if event["data"].get("incident_id") == incident_id:
                    seen.append((short_type(event["type"]), message.subject))
    finally:
        await connection.close()
    assert sorted(t for t, _ in seen) == sorted(wanted)
    subjects = {s for t, s in seen if t == "incident.escalated"}
    assert subjects == {
        f"linli.{community[:4]}.{community[:6]}.{community[:9]}.{community}.grid.incident.escalated",
        f"linli.{community[:4]}.{community[:6]}.{community[:9]}._.grid.incident.escalated",
    }


async def test_a_returned_incident_still_runs_against_its_resolve_deadline(
    cast: Cast, make_category: Any, poller: TimerPoller, sessionmaker: Sessions
) -> None:
    cast.category = await make_category(dispatch_sla_minutes=30, resolve_sla_hours=2)
    incident_id = (await cast.report())["id"]
    await cast.dispatch(incident_id)
    assert (await cast.step(incident_id, "return", note="不属于本网格")).status_code == 200
    assert await poller.fire_due(now=later(minutes=45)) == 0  # it was dispatched in time
    single = TimerPoller(sessionmaker, [SLA_TIMER_KIND], batch_size=1)
    assert await single.fire_due(now=later(hours=2, minutes=1)) == 1
    detail = await cast.read(incident_id)
    assert detail["level"] == "street"
    assert "not resolved in time" in detail["timeline"][-1]["note"]
