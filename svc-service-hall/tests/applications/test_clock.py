"""The working-day clock: due dates on China's official calendar, paused while returned, and the
overdue timer escalating once to the owning level's supervisor, even with two replicas."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Principal, Role
from linli.common.timers import Timer, TimerPoller
from linli.service_hall.applications import service
from linli.service_hall.applications.machine import Action
from linli.service_hall.applications.schemas import ReturnIn
from linli.service_hall.applications.sla import clock, due_on
from linli.service_hall.applications.timers import OVERDUE_TIMER
from linli.service_hall.models import Application, MaterialFile
from linli.testing import OutboxReader

Sessions = async_sessionmaker[AsyncSession]
Maker = Any
SHANGHAI_NOON = timedelta(hours=4)  # 12:00 in Shanghai is 04:00 UTC


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + SHANGHAI_NOON


async def _file_on(sessionmaker: Sessions, case: Any, day: date) -> None:
    """Move the case's filing back to `day` (as if filed then), its due date with it."""
    async with sessionmaker.begin() as session:
        application = await session.get(Application, uuid.UUID(case.id))
        assert application is not None
        application.filed_at = at(day)
        application.filed_on = day
        application.due_on = due_on(day, application.promised_working_days, 0)


async def test_filed_the_working_day_before_national_day(
    filed: Maker, sessionmaker: Sessions
) -> None:
    case = await filed(days=5)
    await _file_on(sessionmaker, case, date(2026, 9, 30))
    view = (await case.read())["clock"]
    assert view["due_on"] == "2026-10-13"  # 8, 9, 10 (a make-up Saturday), 12, 13 October
    assert view["provisional"] is False
    async with sessionmaker() as session:
        application = await session.get(Application, uuid.UUID(case.id))
        assert application is not None
        on_day_3 = clock(application, today=date(2026, 10, 10))
    assert (on_day_3.working_days_used, on_day_3.working_days_left) == (3, 2)


async def test_the_clock_pauses_while_returned(
    filed: Maker, sessionmaker: Sessions, community_code: str
) -> None:
    case = await filed(days=5)
    await _file_on(sessionmaker, case, date(2026, 11, 2))  # a Monday
    principal = Principal(
        subject="worker", roles=frozenset({Role.COMMUNITY_WORKER}), scope=community_code
    )
    resident = Principal(
        subject="resident",
        roles=frozenset({Role.RESIDENT}),
        scope=community_code,
        resident_id=str(case.resident.resident_id),
    )
    async with sessionmaker.begin() as session:
        await service.step(
            session,
            principal=principal,
            application_id=uuid.UUID(case.id),
            action=Action.ACCEPT,
            now=at(date(2026, 11, 3)),
        )
        await service.step(
            session,
            principal=principal,
            application_id=uuid.UUID(case.id),
            action=Action.RETURN,
            returned=ReturnIn(materials=["photo"], note="补照片"),
            now=at(date(2026, 11, 4)),
        )
        application = await session.get(Application, uuid.UUID(case.id))
        assert application is not None
        # Returned on Wednesday 4 November; on Friday the 6th two working days have stood still.
        paused = clock(application, today=date(2026, 11, 6))
        assert (paused.working_days_used, paused.working_days_paused, paused.paused) == (2, 2, True)
        assert paused.due_on == date(2026, 11, 11)
    async with sessionmaker.begin() as session:
        session.add(
            MaterialFile(
                filing_id=uuid.UUID(case.application["filing_id"]),
                material_code="photo",
                key=f"test/{uuid.uuid4()}",
                name="p.png",
                content_type="image/png",
                size_bytes=1,
                sha256="0" * 64,
                uploaded_by_role="resident",
                uploaded_at=at(date(2026, 11, 9)),
            )
        )
    async with sessionmaker.begin() as session:
        back = await service.resubmit(
            session,
            principal=resident,
            application_id=uuid.UUID(case.id),
            now=at(date(2026, 11, 9)),
        )
    # Paused Thursday, Friday and Monday: due three working days later than promised.
    assert (back.clock.working_days_paused, back.clock.due_on) == (3, date(2026, 11, 12))
    assert back.status == "accepted"
    async with sessionmaker() as session:
        timer = await session.scalar(
            select(Timer).where(Timer.kind == "application.overdue", Timer.key == case.id)
        )
    assert timer is not None and timer.payload["due_on"] == "2026-11-12"


@pytest.fixture(autouse=True)
async def _no_other_timers(sessionmaker: Sessions) -> None:
    """Timers of earlier tests would fire too when a test stands years ahead."""
    async with sessionmaker.begin() as session:
        await session.execute(delete(Timer))


async def test_overdue_escalates_once_with_two_replicas(
    filed: Maker,
    sessionmaker: Sessions,
    outbox: OutboxReader,
    auth: Maker,
    client: Any,
    street_code: str,
) -> None:
    case = await filed(days=2)
    replicas = [TimerPoller(sessionmaker, [OVERDUE_TIMER]) for _ in range(2)]
    # Not due yet: nothing fires.
    assert sum(await asyncio.gather(*(r.fire_due() for r in replicas))) == 0
    later = datetime.now(UTC) + timedelta(days=30)
    fired = await asyncio.gather(
        *(r.fire_due(now=later) for r in replicas), *(r.fire_due(now=later) for r in replicas)
    )
    assert sum(fired) == 1
    overdue = [
        e
        for e in await outbox.events(type="application.overdue")
        if e.data["application_id"] == case.id
    ]
    assert [e.data["copy_on"] for e in overdue] == ["community", "supervisor"]
    community = case.application["community_code"]
    assert overdue[0].data["supervisor_division"] == street_code
    detail = await case.read()
    assert detail["clock"]["overdue"] is True
    assert [s["action"] for s in detail["timeline"]] == ["submit", "overdue"]
    # The street's supervisor sees it in the overdue inbox of the items it owns.
    inbox = await client.get(
        "/applications",
        params={"supervised": "true", "overdue": "true"},
        headers=auth(Role.STREET_ADMIN, scope=street_code),
    )
    assert case.id in [a["id"] for a in inbox.json()["items"]]
    assert community.startswith(street_code)
