"""Test fixtures of svc-funds: its migrated database and its app, from the linli.testing plugin,
and `create_*` helpers that go through the HTTP API.

Codes used throughout: street 330108001 with communities 330108001001 and 330108001002;
street 330108002 with community 330108002001.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common.auth import Role
from linli.common.settings import Environment
from linli.funds.app import create_app
from linli.funds.config import NAME, Settings
from linli.funds.donations.providers import DevelopmentProvider
from linli.funds.models import Base
from linli.testing import serve_app, truncate_tables
from linli.testing.tokens import TestIssuer

STREET = "330108001"
COMMUNITY = "330108001001"
OTHER_COMMUNITY = "330108002001"

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
IncomeFactory = Callable[..., Awaitable[dict[str, Any]]]
SeatFactory = Callable[..., Awaitable[dict[str, Any]]]
DonateFactory = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(scope="session")
def settings(
    service_database: Callable[[str], str], nats_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        database_url=service_database(NAME),
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
        # Tests read the outbox table itself.
        run_outbox_relay=False,
        # The hall's events are fed to the handlers themselves; no JetStream consumer needed.
        run_consumers=False,
        # The concurrency tests send a few hundred requests at once.
        database_pool_size=20,
        # Photos of project updates: the tests look into this directory.
        files_url=f"file://{tmp_path_factory.mktemp('files')}",
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


@pytest.fixture
def provider(settings: Settings) -> DevelopmentProvider:
    """The development payment provider, keyed as the app under test is."""
    return DevelopmentProvider(settings.payment_callback_key.get_secret_value())


@pytest.fixture
def seat(client: httpx.AsyncClient, issuer: TestIssuer) -> SeatFactory:
    """`await seat(fund, subject)`: a committee seat for `subject`, its term running this year."""

    async def appoint(
        fund: dict[str, Any], subject: str, *, start: date | None = None, end: date | None = None
    ) -> dict[str, Any]:
        today = date.today()
        response = await client.post(
            f"/funds/{fund['id']}/committee",
            json={
                "subject": subject,
                "display_name": f"{subject}代表",
                "represents": "residents",
                "term_start": (start or today - timedelta(days=30)).isoformat(),
                "term_end": (end or today + timedelta(days=365)).isoformat(),
            },
            headers=worker(issuer, fund["division_code"]),
        )
        assert response.status_code == 201, response.text
        seated: dict[str, Any] = response.json()
        return seated

    return appoint


@pytest.fixture
def donate(
    client: httpx.AsyncClient, issuer: TestIssuer, provider: DevelopmentProvider
) -> DonateFactory:
    """`await donate(path, amount_fen, ...)`: a resident pledges at `path` (`/funds/{id}/donations`
    or `/projects/{id}/donations`) and the provider confirms; the pledge's answer."""

    async def give(
        path: str,
        amount_fen: int,
        *,
        donor_name: str = "张阿姨",
        anonymous: bool = False,
        subject: str = "resident-zhang",
    ) -> dict[str, Any]:
        headers = issuer.headers(roles=[Role.RESIDENT], scope=COMMUNITY, subject=subject)
        body = {"amount_fen": amount_fen, "donor_name": donor_name, "anonymous": anonymous}
        pledged = await client.post(path, json=body, headers=headers)
        assert pledged.status_code == 201, pledged.text
        donation: dict[str, Any] = pledged.json()
        callback = provider.callback(provider_ref=donation["provider_ref"], amount_fen=amount_fen)
        confirmed = await client.post(
            "/donations/callbacks/dev",
            content=callback,
            headers={
                "Content-Type": "application/json",
                "X-Linli-Signature": provider.sign(callback),
            },
        )
        assert confirmed.status_code == 200, confirmed.text
        return donation

    return give
