"""Test fixtures of svc-service-hall: its migrated database and its app, from the linli.testing plugin."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from linli.common.auth import Role
from linli.common.settings import Environment
from linli.service_hall.app import create_app
from linli.service_hall.config import NAME, Settings
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer


@pytest.fixture(scope="session")
def files_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hall-files")


@pytest.fixture(scope="session")
def settings(service_database: Callable[[str], str], nats_url: str, files_dir: Path) -> Settings:
    return Settings(
        database_url=service_database(NAME),
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
        files_url=f"file://{files_dir}",
        # Tests that need the relay or the consumers turn them on (tests/reports/test_grid_round_trip.py);
        # the rest read the outbox and apply events themselves.
        run_outbox_relay=False,
        run_consumers=False,
    )


@pytest.fixture
async def client(settings: Settings, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(create_app(settings, token_verifier=issuer.verifier())) as client:
        yield client


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


Auth = Callable[..., dict[str, str]]


@pytest.fixture
def auth(issuer: TestIssuer) -> Auth:
    """`auth(Role.RESIDENT, scope=..., name=..., subject=...)`: an Authorization header."""

    def make(
        role: Role, *, scope: str = "", subject: str | None = None, **extra: Any
    ) -> dict[str, str]:
        return issuer.headers(
            roles=[role], scope=scope, subject=subject or str(uuid.uuid4()), **extra
        )

    return make
