"""Test fixtures of svc-jobs-coop: its migrated database and its app from the linli.testing
plugin, and small helpers that go through the HTTP API as the mini-program, a coordinator and
an enterprise would.

Codes used throughout: community 330108001001 (东冠) of street 330108001, and community
330108002001 of another street.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common.auth import Role
from linli.common.settings import Environment
from linli.jobs_coop.app import create_app
from linli.jobs_coop.config import NAME, Settings
from linli.jobs_coop.models import Base
from linli.testing import serve_app, truncate_tables
from linli.testing.tokens import TestIssuer

COMMUNITY = "330108001001"
STREET = "330108001"
OTHER_COMMUNITY = "330108002001"
SCHOOL_HOURS = [{"weekday": d, "start_minute": 540, "end_minute": 900} for d in range(1, 6)]

Headers = dict[str, str]
Json = dict[str, Any]
Factory = Callable[..., Awaitable[Json]]

_phones = itertools.count(13900000000)


@pytest.fixture(scope="session")
def settings(service_database: Callable[[str], str], nats_url: str) -> Settings:
    return Settings(
        database_url=service_database(NAME),
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
        # Tests read the outbox table itself.
        run_outbox_relay=False,
        # The concurrency tests send dozens of claims at once.
        database_pool_size=40,
    )


@pytest.fixture(autouse=True)
async def _empty_tables(engine: AsyncEngine) -> None:
    await truncate_tables(engine, Base.metadata)


@pytest.fixture
async def client(settings: Settings, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(create_app(settings, token_verifier=issuer.verifier())) as client:
        yield client


@pytest.fixture
def coordinator(issuer: TestIssuer) -> Headers:
    """A community worker of 东冠社区."""
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=COMMUNITY, subject="worker-dongguan")


@pytest.fixture
def staff(issuer: TestIssuer) -> Callable[[str], Headers]:
    """`staff(scope)`: a community worker (12 digits) or a street admin (9) of that scope."""

    def make(scope: str) -> Headers:
        role = Role.COMMUNITY_WORKER if len(scope) == 12 else Role.STREET_ADMIN
        return issuer.headers(roles=[role], scope=scope, subject=f"{role.value}-{scope}")

    return make


@pytest.fixture
def resident(issuer: TestIssuer) -> Callable[..., Headers]:
    """`resident(subject, community=COMMUNITY)`: a registered resident's login."""

    def make(subject: str, community: str = COMMUNITY) -> Headers:
        return issuer.headers(roles=[Role.RESIDENT], scope=community, subject=subject)

    return make


def next_phone() -> str:
    return str(next(_phones))


@pytest.fixture
def enrol(client: httpx.AsyncClient, coordinator: Headers) -> Factory:
    """`await enrol(name=..., skills=[...], availability=[...], **fields)`: a member enrolled
    by the coordinator (after the 摸排 survey); the answer."""

    async def make(
        name: str = "王丽",
        *,
        skills: list[Json] | None = None,
        availability: list[Json] | None = None,
        headers: Headers | None = None,
        **fields: Any,
    ) -> Json:
        body = {
            "community_code": COMMUNITY,
            "name": name,
            "phone": next_phone(),
            "consent": True,
            "skills": [{"skill": "beading", "level": 2}] if skills is None else skills,
            "availability": SCHOOL_HOURS if availability is None else availability,
            **fields,
        }
        response = await client.post("/members", json=body, headers=headers or coordinator)
        assert response.status_code == 201, response.text
        member: Json = response.json()
        return member

    return make


@pytest.fixture
async def enterprise(client: httpx.AsyncClient, coordinator: Headers, issuer: TestIssuer) -> Json:
    """A beading enterprise of 东冠社区 with an agreement in force and a linked login:
    `{"id": ..., "headers": ...}`."""
    return await make_enterprise(client, coordinator, issuer, name="滨江饰品有限公司")


async def make_enterprise(
    client: httpx.AsyncClient,
    coordinator: Headers,
    issuer: TestIssuer,
    *,
    name: str,
    agreement: bool = True,
) -> Json:
    created = await client.post(
        "/enterprises",
        json={
            "community_code": COMMUNITY,
            "name": name,
            "industry": "饰品串珠",
            "contact_name": "陈经理",
        },
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    enterprise: Json = created.json()
    subject = f"enterprise-{enterprise['id']}"
    linked = await client.put(
        f"/enterprises/{enterprise['id']}/accounts/{subject}", headers=coordinator
    )
    assert linked.status_code == 200, linked.text
    if agreement:
        today = datetime.now(UTC).date()
        signed = await client.post(
            f"/enterprises/{enterprise['id']}/agreements",
            json={
                "number": f"HZ-{name[:2]}",
                "starts_on": (today - timedelta(days=30)).isoformat(),
                "ends_on": (today + timedelta(days=365)).isoformat(),
                "terms": "计件加工，按月结算",
            },
            headers=coordinator,
        )
        assert signed.status_code == 201, signed.text
    enterprise["headers"] = issuer.headers(
        roles=[Role.ENTERPRISE], scope=COMMUNITY, subject=subject
    )
    return enterprise


@pytest.fixture
def post_order(client: httpx.AsyncClient, enterprise: Json, coordinator: Headers) -> Factory:
    """`await post_order(quantity=..., piece_rate_fen=..., batch_size=...)`: posted by the
    enterprise and split by the coordinator (skip the split with `batch_size=None`)."""

    async def make(
        *, batch_size: int | None = 100, headers: Headers | None = None, **fields: Any
    ) -> Json:
        body = {
            "item": "串珠手链",
            "quantity": 1000,
            "piece_rate_fen": 35,
            "deadline": (date.today() + timedelta(days=30)).isoformat(),
            "required_skill": "beading",
            "pickup_site": "东冠社区邻里中心二楼",
            "quality_standard": "珠子无松动，扣头牢固",
            **fields,
        }
        response = await client.post(
            "/work-orders", json=body, headers=headers or enterprise["headers"]
        )
        assert response.status_code == 201, response.text
        order: Json = response.json()
        if batch_size is not None:
            split = await client.post(
                f"/work-orders/{order['id']}/split",
                json={"batch_size": batch_size},
                headers=coordinator,
            )
            assert split.status_code == 200, split.text
            order = split.json()
        return order

    return make


@pytest.fixture
def new_enterprise(client: httpx.AsyncClient, coordinator: Headers, issuer: TestIssuer) -> Factory:
    """`await new_enterprise(name=..., agreement=True)`: another enterprise of 东冠社区."""

    async def make(*, name: str, agreement: bool = True) -> Json:
        return await make_enterprise(client, coordinator, issuer, name=name, agreement=agreement)

    return make
