"""The foundation's promise, end to end through the gateway only: staff from `linli users create`
import divisions, a resident registers, a worker of that community approves, a district system
subscribed to its wildcard receives the event, the grid roster fills, and NATS down loses nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from linli.common.auth import TokenVerifier
from linli.common.topology import SERVICES
from linli.gateway.app import create_app as create_gateway
from linli.gateway.config import GatewaySettings
from linli.gateway.proxy import RoutingTransport
from linli.grid.app import create_app as create_grid
from linli.grid.config import Settings as GridSettings
from linli.residents.app import create_app as create_residents
from linli.residents.config import Settings as ResidentsSettings
from linli.testing.asgi import serve_app
from linli.testing.databases import create_database, migrate
from linli.testing.infra import NatsServer

CITY, DISTRICT, STREET = "3301", "330108", "330108001"
OTHER_STREET = "330108002"
# A valid GB 11643 number (check digit computed below) and a mainland mobile number.
ID_BASE = "33010819900307123"
PHONE = "13812345678"


def gb11643(base17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(base17, weights, strict=True))
    return base17 + "10X98765432"[total % 11]


@dataclass
class Platform:
    gateway: httpx.AsyncClient
    nats_server: NatsServer
    community: str
    other_community: str
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def linli_cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LINLI_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "linli.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def staff_token(gateway: httpx.AsyncClient, username: str, password: str) -> str:
    response = await gateway.post(
        "/auth/staff/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def resident_token(gateway: httpx.AsyncClient, openid: str) -> str:
    response = await gateway.post(
        "/auth/resident/login", json={"provider": "dev", "code": f"dev:{openid}"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
async def platform(pg_server_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    suffix = uuid.uuid4().hex[:8]
    run = f"{int(time.time() * 1000) % 1000:03d}"
    community = f"{STREET}{run}"
    other_community = f"{OTHER_STREET}{run}"
    databases = {}
    for spec in ("gateway", "residents", "grid"):
        url = create_database(pg_server_url, f"e2e_{spec}_{suffix}")
        migrate(spec, url)
        databases[spec] = url

    nats_server = NatsServer(tmp_path / "nats")
    nats_server.start()

    gateway_settings = GatewaySettings(
        database_url=databases["gateway"],
        gateway_signing_key_file=tmp_path / "signing-key.pem",
        upstreams={spec.name: f"http://{spec.name}.internal" for spec in SERVICES},
        rate_limit="10000/minute",
    )
    # The services verify tokens against the gateway's JWKS, fetched through the gateway itself.
    verifier_holder: dict[str, TokenVerifier] = {}

    class GatewayJwksVerifier(TokenVerifier):
        async def verify(self, token: str) -> Any:
            return await verifier_holder["v"].verify(token)

    jwks_verifier = GatewayJwksVerifier(issuer="linli-gateway", audience="linli", jwks={"keys": []})
    residents_app = create_residents(
        ResidentsSettings(
            database_url=databases["residents"],
            nats_url=nats_server.url,
            outbox_poll_interval_s=0.2,
        ),
        token_verifier=jwks_verifier,
    )
    grid_app = create_grid(
        GridSettings(database_url=databases["grid"], nats_url=nats_server.url),
        token_verifier=jwks_verifier,
    )
    async with (
        serve_app(residents_app) as _,
        serve_app(grid_app) as _,
    ):
        transport = RoutingTransport(
            {
                "residents.internal": httpx.ASGITransport(app=residents_app),
                "grid.internal": httpx.ASGITransport(app=grid_app),
            }
        )
        gateway_app = create_gateway(gateway_settings, upstream_transport=transport)
        async with serve_app(gateway_app) as gateway:
            jwks = (await gateway.get("/.well-known/jwks.json")).json()
            verifier_holder["v"] = TokenVerifier(
                issuer="linli-gateway", audience="linli", jwks=jwks
            )
            # Staff accounts come from the CLI, as an administrator would make them.
            accounts = {
                "city_admin": ("city_admin", CITY),
                "worker": ("community_worker", community),
                "other_worker": ("community_worker", other_community),
            }
            tokens: dict[str, str] = {}
            for who, (role, scope) in accounts.items():
                username = f"{who}_{suffix}"
                result = linli_cli(
                    "users",
                    "create",
                    "--username",
                    username,
                    "--password",
                    "s3cret-pass!",
                    "--role",
                    role,
                    "--scope",
                    scope,
                    database_url=databases["gateway"],
                )
                assert result.returncode == 0, result.stderr
                tokens[who] = await staff_token(gateway, username, "s3cret-pass!")
            tokens["resident"] = await resident_token(gateway, f"openid-{suffix}")
            yield Platform(gateway, nats_server, community, other_community, tokens)
    nats_server.stop()


async def import_divisions(p: Platform) -> None:
    csv = "\n".join(
        [
            "code,name",
            f"{CITY},杭州市",
            f"{DISTRICT},滨江区",
            f"{STREET},西兴街道",
            f"{p.community},测试社区",
        ]
    )
    response = await p.gateway.post(
        "/api/residents/divisions/import",
        content=csv.encode(),
        headers={**p.auth("city_admin"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text


def registration_body(p: Platform, *, room: str, serial: str = "1") -> dict[str, Any]:
    return {
        "community_code": p.community,
        "name": "张三",
        "id_number": gb11643(ID_BASE[:-1] + serial),
        "phone": PHONE,
        "sex": "male",
        "address": {"building": "3", "unit": "1", "room": room},
        "relation_to_head": "head",
        "consent": True,
    }


async def register(p: Platform, *, room: str, serial: str = "1") -> str:
    response = await p.gateway.post(
        "/api/residents/registrations",
        json=registration_body(p, room=room, serial=serial),
        headers=p.auth("resident"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def approve(p: Platform, registration_id: str, who: str = "worker") -> httpx.Response:
    return await p.gateway.post(
        f"/api/residents/registrations/{registration_id}/approve", headers=p.auth(who)
    )


async def wait_for(check: Callable[[], Any], *, within_s: float = 20.0) -> Any:
    deadline = time.monotonic() + within_s
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


async def test_district_subscriber_receives_approval_without_pii(platform: Platform) -> None:
    p = platform
    await import_divisions(p)
    registration_id = await register(p, room="101")

    district_system = await nats.connect(p.nats_server.url)
    received: list[bytes] = []

    async def on_message(msg: Any) -> None:
        received.append(msg.data)

    await district_system.subscribe(f"linli.{CITY}.{DISTRICT}.>", cb=on_message)
    response = await approve(p, registration_id)
    assert response.status_code == 200, response.text

    async def approved_event() -> dict[str, Any] | None:
        for raw in received:
            event = json.loads(raw)
            if event["type"] == "cn.linli.residents.resident.approved.v1":
                return dict(event)
        return None

    event = await wait_for(approved_event)
    await district_system.close()
    assert event["specversion"] == "1.0"
    assert event["data"]["community_code"] == p.community
    assert event["data"]["registration_id"] == registration_id
    for raw in received:
        text = raw.decode()
        assert PHONE not in text
        assert gb11643(ID_BASE[:-1] + "1") not in text


async def test_scope_role_and_token_refusals(platform: Platform) -> None:
    p = platform
    await import_divisions(p)
    registration_id = await register(p, room="102")

    assert (await approve(p, registration_id, "other_worker")).status_code == 404
    assert (await approve(p, registration_id, "resident")).status_code == 403
    url = f"/api/residents/registrations/{registration_id}/approve"
    assert (await p.gateway.post(url)).status_code == 401
    forged = p.tokens["worker"][:-4] + (
        "AAAA" if not p.tokens["worker"].endswith("AAAA") else "BBBB"
    )
    assert (
        await p.gateway.post(url, headers={"Authorization": f"Bearer {forged}"})
    ).status_code == 401

    malformed = registration_body(p, room="103")
    malformed["id_number"] = "not-a-number"
    response = await p.gateway.post(
        "/api/residents/registrations", json=malformed, headers=p.auth("resident")
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any("id_number" in e["field"] for e in response.json()["errors"])
    listing = await p.gateway.get(
        "/api/residents/registrations",
        params={"community_code": p.community},
        headers=p.auth("worker"),
    )
    assert listing.status_code == 200
    # The malformed registration stored nothing: only room 102's is listed.
    rooms = [item["address"]["room"] for item in listing.json()["items"]]
    assert rooms == ["102"]

    # Still pending: the refused attempts changed nothing, the right worker may approve.
    assert (await approve(p, registration_id)).status_code == 200


async def test_idempotency_key_replays_and_refuses_other_body(platform: Platform) -> None:
    p = platform
    await import_divisions(p)
    headers = {**p.auth("resident"), "Idempotency-Key": f"reg-{uuid.uuid4()}"}
    body = registration_body(p, room="201")
    first = await p.gateway.post("/api/residents/registrations", json=body, headers=headers)
    again = await p.gateway.post("/api/residents/registrations", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = await p.gateway.post(
        "/api/residents/registrations",
        json={**body, "address": {"building": "3", "unit": "1", "room": "202"}},
        headers=headers,
    )
    assert other.status_code == 422


async def test_nats_down_during_approvals_loses_nothing(platform: Platform) -> None:
    p = platform
    await import_divisions(p)
    rooms = ["301", "302", "303"]
    # Odd 17th digits: GB 11643 encodes sex there, and the body says "male".
    registration_ids = [
        await register(p, room=room, serial=str(2 * i + 3)) for i, room in enumerate(rooms)
    ]

    p.nats_server.stop()
    for registration_id in registration_ids:
        response = await approve(p, registration_id)
        assert response.status_code == 200, response.text
    p.nats_server.start()

    subject = f"linli.{CITY}.{DISTRICT}.{STREET}.{p.community}.residents.resident.approved"
    nc = await nats.connect(p.nats_server.url)
    js = nc.jetstream()

    async def all_arrived() -> set[str] | None:
        sub = await js.pull_subscribe(
            subject, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        try:
            messages = await sub.fetch(50, timeout=1)
        except nats.errors.TimeoutError:
            return None
        finally:
            await sub.unsubscribe()
        ids = [json.loads(m.data)["data"]["registration_id"] for m in messages]
        assert len(ids) == len(set(ids)), "an approval was published twice"
        return set(ids) if set(ids) == set(registration_ids) else None

    await wait_for(all_arrived, within_s=30)
    await nc.close()

    async def roster() -> list[dict[str, Any]] | None:
        response = await p.gateway.get(
            "/api/grid/roster/households",
            params={"community_code": p.community},
            headers=p.auth("worker"),
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return list(items) if len(items) == len(rooms) else None

    households = await wait_for(roster, within_s=30)
    addresses = sorted(h["address"] for h in households)
    assert addresses == sorted(f"3-1-{room}" for room in rooms)
