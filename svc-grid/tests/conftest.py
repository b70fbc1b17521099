"""Test fixtures of svc-grid: its migrated database, its app, sessions and roster test data."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.events import CloudEvent
from linli.common.settings import Environment
from linli.grid.app import create_app
from linli.grid.config import NAME, Settings
from linli.grid.roster.handlers import ROSTER_CONSUMER
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer


@pytest.fixture(scope="session")
def settings(service_database: Callable[[str], str], nats_url: str) -> Settings:
    return Settings(
        database_url=service_database(NAME),
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
        # Tests that need the roster consumer turn it on; the rest read only what they seed.
        run_consumers=False,
    )


@pytest.fixture
async def client(settings: Settings, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(create_app(settings, token_verifier=issuer.verifier())) as client:
        yield client


RESIDENT_APPROVED_TYPE = "cn.linli.residents.resident.approved.v1"

ApprovedEventFactory = Callable[..., CloudEvent]
Seeder = Callable[..., Any]


def resident_approved_event(
    *,
    community_code: str,
    household_id: uuid.UUID | None = None,
    resident_id: uuid.UUID | None = None,
    address: str = "1-1-101",
    name_masked: str = "张*三",
    grid_id: uuid.UUID | None = None,
    event_id: str | None = None,
    **extra_data: Any,
) -> CloudEvent:
    """A `resident.approved` CloudEvent shaped as svc-residents publishes it."""
    data: dict[str, Any] = {
        "type": RESIDENT_APPROVED_TYPE,
        "community_code": community_code,
        "registration_id": str(uuid.uuid4()),
        "resident_id": str(resident_id or uuid.uuid4()),
        "household_id": str(household_id or uuid.uuid4()),
        "household_address": address,
        "grid_id": str(grid_id) if grid_id else None,
        "name_masked": name_masked,
        "approved_by": str(uuid.uuid4()),
        "approved_at": datetime.now(UTC).isoformat(),
        **extra_data,
    }
    return CloudEvent(
        id=event_id or str(uuid.uuid4()),
        source="/linli/residents",
        type=RESIDENT_APPROVED_TYPE,
        subject=data["resident_id"],
        time=datetime.now(UTC),
        data=data,
    )


@pytest.fixture
def approved_event() -> ApprovedEventFactory:
    return resident_approved_event


@pytest.fixture(scope="session")
def _street_numbers() -> Iterator[int]:
    # Shuffled so that reruns against a kept database rarely meet their own earlier rows.
    return iter(random.sample(range(100, 1000), 900))


@pytest.fixture
def street_code(_street_numbers: Iterator[int]) -> str:
    """A 9-digit street of district 330108 that no other test of this session uses."""
    return f"330108{next(_street_numbers):03d}"


@pytest.fixture
def community_code(street_code: str) -> str:
    return f"{street_code}001"


@pytest.fixture
def seed(sessionmaker: async_sessionmaker[AsyncSession]) -> Seeder:
    """`await seed(event, ...)`: run the roster handler on each event and commit, as the consumer would."""

    async def run(*events: CloudEvent) -> None:
        for event in events:
            async with sessionmaker.begin() as session:
                await ROSTER_CONSUMER.handler(session, event)

    return run
