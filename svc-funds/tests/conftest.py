"""Test fixtures of svc-funds: its migrated database and its app, from the linli.testing plugin,
and `create_*` helpers that go through the HTTP API.

Codes used throughout: street 330108001 with communities 330108001001 and 330108001002;
street 330108002 with community 330108002001.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common.auth import Role
from linli.common.settings import Environment
from linli.funds.app import create_app
from linli.funds.config import NAME, Settings
from linli.funds.models import Base
from linli.testing import serve_app, truncate_tables
from linli.testing.tokens import TestIssuer

STREET = "330108001"
COMMUNITY = "330108001001"
OTHER_COMMUNITY = "330108002001"

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
IncomeFactory = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(scope="session")
def settings(service_database: Callable[[str], str], nats_url: str) -> Settings:
    return Settings(
        database_url=service_database(NAME),
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
        # Tests read the outbox table itself.
        run_outbox_relay=False,
        # The concurrency tests send a few hundred requests at once.
        database_pool_size=20,
    )


@pytest.fixture(autouse=True)
async def _empty_tables(engine: AsyncEngine) -> None:
    """Every table of the service, so balances and outbox rows are the test's own."""
    await truncate_tables(engine, Base.metadata)


@pytest.fixture
async def client(settings: Settings, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(create_app(settings, token_verifier=issuer.verifier())) as client:
        yield client


HeadersFactory = Callable[..., dict[str, str]]


def worker(issuer: TestIssuer, scope: str = COMMUNITY) -> dict[str, str]:
    role = Role.COMMUNITY_WORKER if len(scope) == 12 else Role.STREET_ADMIN
    return issuer.headers(roles=[role], scope=scope, subject=f"{role.value}-{scope}")


@pytest.fixture
def staff(issuer: TestIssuer) -> HeadersFactory:
    """`staff(scope)`: headers of a community worker (for a street code, a street admin)."""
    return lambda scope=COMMUNITY: worker(issuer, scope)


@pytest.fixture
def member(issuer: TestIssuer) -> HeadersFactory:
    """`member(subject)`: headers of a committee member's account (a resident or a donor)."""
    return lambda subject: issuer.headers(
        roles=[Role.FUND_COMMITTEE], scope=COMMUNITY, subject=subject
    )


@pytest.fixture
def create_fund(client: httpx.AsyncClient, issuer: TestIssuer) -> FundFactory:
    """`await create_fund(division_code=..., kind=..., name=..., **rules)`: a fund opened through
    `POST /funds` by a worker of its division; the answer."""

    async def create(
        *,
        division_code: str = COMMUNITY,
        kind: str | None = None,
        name: str = "东信社区基金",
        **fields: Any,
    ) -> dict[str, Any]:
        body = {
            "division_code": division_code,
            "kind": kind or ("community" if len(division_code) == 12 else "street"),
            "name": name,
            **fields,
        }
        response = await client.post("/funds", json=body, headers=worker(issuer, division_code))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return create


@pytest.fixture
def receive_income(client: httpx.AsyncClient, issuer: TestIssuer) -> IncomeFactory:
    """`await receive_income(fund, amount_fen)`: income posted by a worker of the fund's division."""

    async def post(
        fund: dict[str, Any], amount_fen: int, payer: str = "长者食堂"
    ) -> dict[str, Any]:
        response = await client.post(
            f"/funds/{fund['id']}/income",
            json={"amount_fen": amount_fen, "payer": payer},
            headers=worker(issuer, fund["division_code"]),
        )
        assert response.status_code == 201, response.text
        income: dict[str, Any] = response.json()
        return income

    return post
