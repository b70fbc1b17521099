"""Test fixtures of svc-service-hall: its migrated database and its app, from the linli.testing plugin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from linli.common.settings import Environment
from linli.service_hall.app import create_app
from linli.service_hall.config import NAME, Settings
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer


@pytest.fixture(scope="session")
def settings(service_database: Callable[[str], str], nats_url: str) -> Settings:
    return Settings(
        database_url=service_database(NAME),
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
    )


@pytest.fixture
async def client(settings: Settings, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(create_app(settings, token_verifier=issuer.verifier())) as client:
        yield client
