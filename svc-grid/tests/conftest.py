"""Test fixtures of svc-grid: its migrated database, its app, sessions and roster test data."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.events import CloudEvent
from linli.common.settings import Environment
from linli.grid.app import create_app
from linli.grid.config import NAME, Settings
from linli.grid.places import service as places
from linli.grid.places.schemas import BuildingCreated, GridCreated
from linli.grid.roster.handlers import ROSTER_CONSUMER
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer


@pytest.fixture(scope="session")
def files_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The service's file store for this test session (photos)."""
    return tmp_path_factory.mktemp("grid-files")


@pytest.fixture(scope="session")
def settings(service_database: Callable[[str], str], nats_url: str, files_dir: Path) -> Settings:
    return Settings(
        files_url=f"file://{files_dir}",
        database_url=service_database(NAME),
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
        # Tests that need the roster consumer turn it on; the rest read only what they seed.
        run_consumers=False,
        # Tests fire timers themselves (`timers` fixture), standing at whatever time they need.
        run_timers=False,
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


# --- places, categories and tokens: helpers for every domain's tests ------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    community_code: str
    grid_id: uuid.UUID
    building_id: uuid.UUID


async def _create_place(
    sessionmaker: async_sessionmaker[AsyncSession], *, community_code: str
) -> Place:
    """A grid and a building in it, as svc-residents' events would have put them in the model."""
    grid_id, building_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        await places.apply_grid(
            session,
            event=GridCreated(
                type="cn.linli.residents.grid.created.v1",
                community_code=community_code,
                grid_id=grid_id,
                number=1,
                name="一网格",
            ),
            at=now,
        )
        await places.apply_building(
            session,
            event=BuildingCreated(
                type="cn.linli.residents.building.created.v1",
                community_code=community_code,
                building_id=building_id,
                name="1幢",
                grid_id=grid_id,
            ),
            at=now,
        )
    return Place(community_code, grid_id, building_id)


def _headers(
    issuer: TestIssuer,
    role: Role,
    *,
    scope: str = "",
    subject: str | None = None,
    grids: tuple[uuid.UUID | str, ...] = (),
    name: str | None = None,
) -> dict[str, str]:
    extra: dict[str, Any] = {"name": name} if name else {}
    return issuer.headers(
        roles=[role],
        scope=scope,
        subject=subject or str(uuid.uuid4()),
        grid_ids=[str(g) for g in grids],
        **extra,
    )


async def _create_category(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    *,
    code: str | None = None,
    dispatch_sla_minutes: int = 30,
    resolve_sla_hours: int = 24,
    owner_level: str = "community",
) -> str:
    code = code or f"test.{uuid.uuid4().hex[:10]}"
    response = await client.post(
        "/incidents/categories",
        json={
            "code": code,
            "name": "占道经营",
            "dispatch_sla_minutes": dispatch_sla_minutes,
            "resolve_sla_hours": resolve_sla_hours,
            "owner_level": owner_level,
        },
        headers=_headers(issuer, Role.CITY_ADMIN, scope="3301"),
    )
    assert response.status_code == 201, response.text
    return code


PlaceMaker = Callable[..., Awaitable[Place]]
CategoryMaker = Callable[..., Awaitable[str]]
Auth = Callable[..., dict[str, str]]


@pytest.fixture
def make_place(sessionmaker: async_sessionmaker[AsyncSession]) -> PlaceMaker:
    """`await make_place(community_code=...)`: a grid and a building in it, in the read model."""

    async def make(*, community_code: str) -> Place:
        return await _create_place(sessionmaker, community_code=community_code)

    return make


@pytest.fixture
def make_category(client: httpx.AsyncClient, issuer: TestIssuer) -> CategoryMaker:
    """`await make_category(dispatch_sla_minutes=..., ...)`: a category's code, made by the city."""

    async def make(**kwargs: Any) -> str:
        return await _create_category(client, issuer, **kwargs)

    return make


@pytest.fixture
def auth(issuer: TestIssuer) -> Auth:
    """`auth(Role.GRID_WORKER, scope=..., grids=(...), name=...)`: an Authorization header."""

    def make(role: Role, **kwargs: Any) -> dict[str, str]:
        return _headers(issuer, role, **kwargs)

    return make
