"""Fixtures of svc-residents' tests: its migrated database, its app, sessions and test data.

Codes used throughout: city 3301, district 330108, streets 330108001 and 330108002, communities
330108001001 and 330108001002 (street 1) and 330108002001 (street 2).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from linli.common.pii import PiiCipher
from linli.common.settings import Environment
from linli.residents.app import create_app
from linli.residents.config import NAME, Settings
from linli.residents.divisions.repository import DivisionRepository
from linli.residents.identity import check_character
from linli.residents.stats.service import install_commit_hook
from linli.testing import serve_app
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
# Every table a test may write; emptied before each test so counts and outbox rows are its own.
_TABLES = (
    "change_requests, registrations, residents, households, dwellings, units, buildings, "
    "courts, grids, divisions, outbox_messages, idempotency_keys, pii_access_log, "
    "resident_moves, community_counters, community_tag_counts, community_birth_year_counts, "
    "community_birth_date_counts"
)

PayloadFactory = Callable[..., dict[str, Any]]


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


@pytest.fixture(scope="session", autouse=True)
def _counters_applied_at_commit() -> None:
    """Sessions made outside the app (service tests) apply staged counter deltas as the app's do."""
    install_commit_hook()


@pytest.fixture(autouse=True)
async def _empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {_TABLES} CASCADE"))


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
