"""Fixtures of the canteen tests: the app standing at a time the test sets, and a site."""

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


@pytest.fixture
def worker(auth: Any, community_code: str) -> dict[str, str]:
    """A community worker of the test's community: runs its canteen."""
    headers: dict[str, str] = auth(Role.COMMUNITY_WORKER, scope=community_code)
    return headers


SiteMaker = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_site(client: httpx.AsyncClient, worker: dict[str, str], community_code: str) -> SiteMaker:
    """`await make_site(...)`: a canteen of the test's community with the usual subsidy rules."""

    async def make(**overrides: Any) -> dict[str, Any]:
        body = {
            "community_code": community_code,
            "name": "东信长者食堂",
            "address": "东信路8号",
            "daily_subsidy_cap_fen": 1000,
            "stored_value_discount_bp": 500,
            "subsidy_rules": [
                {"tag": "elderly_60", "amount_fen": 300},
                {"tag": "elderly_80", "amount_fen": 200},
                {"tag": "living_alone", "amount_fen": 500},
                {"tag": "low_income", "amount_fen": 400},
            ],
            **overrides,
        }
        created = await client.post("/canteen/sites", json=body, headers=worker)
        assert created.status_code == 201, created.text
        site: dict[str, Any] = created.json()
        return site

    return make
