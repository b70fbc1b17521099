"""Fixtures of svc-residents' tests: its migrated database, its app, sessions and test data.

Codes used throughout: city 3301, district 330108, streets 330108001 and 330108002, communities
330108001001 and 330108001002 (street 1) and 330108002001 (street 2).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.pii import PiiCipher
from linli.common.settings import Environment
from linli.residents.app import create_app
from linli.residents.config import NAME, Settings
from linli.residents.divisions.repository import DivisionRepository
from linli.residents.identity import check_character
from linli.residents.models import Base
from linli.testing import serve_app, truncate_tables
from linli.testing.tokens import TestIssuer

TREE = (
    ("3301", "杭州市"),
    ("330108", "滨江区"),
    ("330108001", "西兴街道"),
    ("330108001001", "东信社区"),
    ("330108001002", "江汉社区"),
    ("330108002", "长河街道"),
    ("330108002001", "长河社区"),
)
PayloadFactory = Callable[..., dict[str, Any]]
ResidentFactory = Callable[..., Awaitable[dict[str, Any]]]
COMMUNITY = "330108001001"
# Order codes for ID numbers made from a birth date: unique within a test session.
_orders = itertools.count(100)


@pytest.fixture(scope="session")
def settings(service_database: Callable[[str], str], nats_url: str) -> Settings:
    return Settings(
        database_url=service_database(NAME),
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
        # Tests read the outbox table itself; the relay test turns the relay on.
        run_outbox_relay=False,
    )


@pytest.fixture(autouse=True)
async def _empty_tables(engine: AsyncEngine) -> None:
    """Every table of the service, so counts and outbox rows are the test's own."""
    await truncate_tables(engine, Base.metadata)


@pytest.fixture
async def client(settings: Settings, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(create_app(settings, token_verifier=issuer.verifier())) as client:
        yield client


@pytest.fixture
def cipher(settings: Settings) -> PiiCipher:
    return PiiCipher(
        key=settings.pii_key.get_secret_value(),
        index_key=settings.pii_index_key.get_secret_value(),
    )


@pytest.fixture
async def tree(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The division tree of the module docstring, committed."""
    async with sessionmaker.begin() as session:
        await DivisionRepository(session).upsert(TREE)


@pytest.fixture
async def tree_in_session(session: AsyncSession) -> None:
    """The same tree inside the rolled-back `session`."""
    await DivisionRepository(session).upsert(TREE)


def id_number(body: str = "33010819900307123") -> str:
    """A valid ID number: 17 digits (region, birth date, order code) and their check character."""
    return body + check_character(body)


def id_number_born(born: date) -> str:
    """A valid ID number of someone born on `born`, unused so far in this session."""
    return id_number(f"330108{born:%Y%m%d}{next(_orders) % 1000:03d}")


def worker_headers(issuer: TestIssuer, scope: str = COMMUNITY) -> dict[str, str]:
    """A community worker of `scope` (the subject names the scope, as audits show)."""
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=scope, subject=f"worker-{scope}")


@pytest.fixture
def create_resident(client: httpx.AsyncClient, issuer: TestIssuer) -> ResidentFactory:
    """`await create_resident(community=..., room=..., born=..., **body)`: a resident entered
    through `POST /residents` by the community's worker; the answer, with `clear_id_number`.

    The ID number is the one given, else one of someone born on `born`, else the default of
    `id_number()` (张三, born 1990-03-07). Other keywords are fields of the body.
    """

    async def create(
        *,
        community: str = COMMUNITY,
        building: str = "3幢",
        unit: str = "2单元",
        room: str = "501",
        born: date | None = None,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        clear = fields.pop("id_number", None) or (id_number_born(born) if born else id_number())
        body: dict[str, Any] = {
            "community_code": community,
            "address": {"building": building, "unit": unit, "room": room},
            "name": "张三",
            "id_number": clear,
            "phone": "13812345678",
            "relation_to_head": "head",
            "consent": True,
            **fields,
        }
        response = await client.post(
            "/residents", json=body, headers=headers or worker_headers(issuer, community)
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        created["clear_id_number"] = clear
        return created

    return create


@pytest.fixture
def registration_payload() -> PayloadFactory:
    """`registration_payload(**overrides)`: a valid POST /registrations body."""

    def build(**overrides: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "community_code": "330108001001",
            "name": "张三",
            "id_number": id_number(),
            "phone": "13812345678",
            "address": {"building": "3幢", "unit": "2单元", "room": "501"},
            "relation_to_head": "head",
            "consent": True,
        }
        payload.update(overrides)
        return payload

    return build


@pytest.fixture
def make_id_number() -> Callable[[str], str]:
    """`make_id_number("33010819900307123")` → that body with its check character."""
    return id_number
