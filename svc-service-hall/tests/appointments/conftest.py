"""Fixtures of the appointments tests: the app standing at a time the test sets, a hall and a
calendar on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from linli.common.auth import Role
from linli.service_hall.app import create_app
from linli.service_hall.clock import system_now
from linli.service_hall.config import Settings
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer


@dataclass
class Clock:
    """What the app takes for now; tests move it."""

    now: datetime


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


@pytest.fixture
async def client(
    settings: Settings, issuer: TestIssuer, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, token_verifier=issuer.verifier())
    app.dependency_overrides[system_now] = lambda: clock.now
    async with serve_app(app) as client:
        yield client


CalendarMaker = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_calendar(client: httpx.AsyncClient, auth: Any, street_code: str) -> CalendarMaker:
    """`await make_calendar(capacity=10, ...)`: a hall of the test's street serving its
    community 001, and a calendar on it (Fridays 14:00–17:00 in 20-minute slots by default)."""

    async def make(**overrides: Any) -> dict[str, Any]:
        admin = auth(Role.STREET_ADMIN, scope=street_code)
        point = await client.post(
            "/service-points",
            json={
                "division_code": street_code,
                "name": "邻里中心",
                "address": "江汉路1号",
                "communities": [f"{street_code}001"],
            },
            headers=admin,
        )
        assert point.status_code == 201, point.text
        body = {
            "service_point_id": point.json()["id"],
            "service_name": "免费法律咨询",
            "rules": [{"weekday": 5, "opens": "14:00", "closes": "17:00"}],
            "slot_minutes": 20,
            "capacity": 1,
            **overrides,
        }
        created = await client.post("/appointment-calendars", json=body, headers=admin)
        assert created.status_code == 201, created.text
        calendar: dict[str, Any] = created.json()
        return calendar

    return make
