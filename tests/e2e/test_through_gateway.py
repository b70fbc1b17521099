"""Linli end to end through the gateway only, with staff made by `linli users create`.

The foundation: divisions imported, a resident registers, a worker of that community approves, a
district system subscribed to its wildcard receives the event, the grid roster fills, and NATS
down loses nothing. The registry: street admin, community worker, grid worker and resident each
see and change exactly what their role and scope allow. An incident goes from a resident's
report to its verification, every step on the district's wildcard.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import nats
import pytest
import xmltodict  # type: ignore[import-untyped]
from nats.js.api import ConsumerConfig, DeliverPolicy

from linli.grid.app import create_app as create_grid
from linli.grid.config import Settings as GridSettings
from linli.infra.embedded import NatsServer
from linli.residents.app import create_app as create_residents
from linli.residents.config import Settings as ResidentsSettings
from tests.gateway_stack import GatewayStack, ServiceFactory, gateway_stack

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
    stack: GatewayStack
    nats_server: NatsServer
    community: str
    other_community: str

    @property
    def gateway(self) -> httpx.AsyncClient:
        return self.stack.gateway

    @property
    def tokens(self) -> dict[str, str]:
        return self.stack.tokens

    def auth(self, who: str) -> dict[str, str]:
        return self.stack.auth(who)


@pytest.fixture
async def platform(pg_server_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    run = f"{int(time.time() * 1000) % 1000:03d}"
    community = f"{STREET}{run}"
    other_community = f"{OTHER_STREET}{run}"
    # A NATS server of its own: a test stops it under the services.
    nats_server = NatsServer(tmp_path / "nats")
    nats_server.start()
    services: dict[str, ServiceFactory] = {
        "residents": lambda url, verifier: create_residents(
            ResidentsSettings(
                database_url=url, nats_url=nats_server.url, outbox_poll_interval_s=0.2
            ),
            token_verifier=verifier,
        ),
        "grid": lambda url, verifier: create_grid(
            GridSettings(database_url=url, nats_url=nats_server.url), token_verifier=verifier
        ),
    }
    async with gateway_stack(pg_server_url, tmp_path, services) as stack:
        await stack.add_staff("city_admin", "city_admin", CITY)
        await stack.add_staff("worker", "community_worker", community)
        await stack.add_staff("other_worker", "community_worker", other_community)
        await stack.add_resident("resident")
        yield Platform(stack, nats_server, community, other_community)
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
        params={"division": p.community},
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
            params={"division": p.community},
            headers=p.auth("worker"),
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return list(items) if len(items) == len(rooms) else None

    households = await wait_for(roster, within_s=30)
    addresses = sorted(h["address"] for h in households)
    assert addresses == sorted(f"3-1-{room}" for room in rooms)


async def test_the_registry_through_the_gateway_for_each_role_and_scope(
    platform: Platform,
) -> None:
    """svc-residents as the four roles of its issue see it through the gateway, with tokens the
    gateway issued to accounts the CLI made: each sees and changes exactly its role and scope."""
    p = platform
    await import_divisions(p)
    registration_id = await register(p, room="401")
    approved = await approve(p, registration_id)
    assert approved.status_code == 200, approved.text
    resident_id, household_id = approved.json()["resident_id"], approved.json()["household_id"]

    grids = [
        await p.gateway.post(
            "/api/residents/grids",
            json={"community_code": p.community, "number": n, "name": f"第{n}网格"},
            headers=p.auth("worker"),
        )
        for n in (1, 2)
    ]
    assert [g.status_code for g in grids] == [201, 201], [g.text for g in grids]
    joined = await p.gateway.patch(
        f"/api/residents/households/{household_id}",
        json={"grid_id": grids[0].json()["id"]},
        headers=p.auth("worker"),
    )
    assert joined.status_code == 200, joined.text
    await p.stack.add_staff("street_admin", "street_admin", STREET)
    await p.stack.add_staff("other_street_admin", "street_admin", OTHER_STREET)
    await p.stack.add_staff("grid_worker", "grid_worker", p.community, grids=[f"{p.community}-01"])
    await p.stack.add_staff(
        "other_grid_worker", "grid_worker", p.community, grids=[f"{p.community}-02"]
    )
    await p.stack.add_resident("other_resident")
    everyone = [
        "street_admin",
        "other_street_admin",
        "worker",
        "other_worker",
        "grid_worker",
        "other_grid_worker",
        "resident",
        "other_resident",
    ]
    record = f"/api/residents/residents/{resident_id}"

    reads = {who: await p.gateway.get(record, headers=p.auth(who)) for who in everyone}
    edits = {
        who: (
            await p.gateway.patch(record, json={"tags": ["volunteer"]}, headers=p.auth(who))
        ).status_code
        for who in everyone
    }

    assert {who: r.status_code for who, r in reads.items()} == {
        "street_admin": 200,
        "other_street_admin": 404,
        "worker": 200,
        "other_worker": 404,
        "grid_worker": 200,
        "other_grid_worker": 404,
        "resident": 200,
        "other_resident": 404,
    }
    for who in ("street_admin", "worker", "grid_worker", "resident"):
        body = reads[who].text
        assert PHONE not in body and gb11643(ID_BASE[:-1] + "1") not in body, who
        assert reads[who].json()["id_number"].startswith("330***")
    assert edits == {
        "street_admin": 403,
        "other_street_admin": 403,
        "worker": 200,
        "other_worker": 404,
        "grid_worker": 403,
        "other_grid_worker": 403,
        "resident": 403,
        "other_resident": 403,
    }

    # Clear values only for a community worker, with a purpose.
    reveal = {"reveal": "true", "purpose": "上门核实"}
    revealed = await p.gateway.get(record, params=reveal, headers=p.auth("worker"))
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["id_number"] == gb11643(ID_BASE[:-1] + "1")
    refused = await p.gateway.get(record, params=reveal, headers=p.auth("street_admin"))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")

    # A list or statistics filtered to a division the caller does not hold is 403; their own is
    # answered from live data.
    other_street = {"division": OTHER_STREET}
    assert (
        await p.gateway.get(
            "/api/residents/residents", params=other_street, headers=p.auth("street_admin")
        )
    ).status_code == 403
    assert (
        await p.gateway.get(
            "/api/residents/stats", params=other_street, headers=p.auth("street_admin")
        )
    ).status_code == 403
    listed = await p.gateway.get(
        "/api/residents/residents", params={"division": STREET}, headers=p.auth("street_admin")
    )
    assert [r["id"] for r in listed.json()["items"]] == [resident_id]
    stats = await p.gateway.get(
        "/api/residents/stats", params={"division": STREET}, headers=p.auth("street_admin")
    )
    assert stats.status_code == 200, stats.text
    assert (stats.json()["population"], stats.json()["households"]) == (1, 1)
    assert stats.json()["tags"].get("volunteer") == 1
    assert (
        await p.gateway.get(
            "/api/residents/stats", params={"division": STREET}, headers=p.auth("resident")
        )
    ).status_code == 403


async def test_urls_a_service_answers_carry_the_gateway_prefix(platform: Platform) -> None:
    await import_divisions(platform)
    header = "community_code,court,building,unit,room,name,id_number,phone,relation_to_head,tags"
    bad_row = f"{platform.community},,1幢,1单元,101,王五,not-an-id,,head,"
    created = await platform.gateway.post(
        "/api/residents/imports/residents",
        content=f"{header}\n{bad_row}\n".encode(),
        headers={**platform.auth("worker"), "Content-Type": "text/csv"},
    )
    assert created.status_code == 202, created.text
    location = created.headers["location"]

    async def rejected() -> dict[str, Any] | None:
        job = await platform.gateway.get(location, headers=platform.auth("worker"))
        assert job.status_code == 200, job.text
        body: dict[str, Any] = job.json()
        return body if body["status"] in {"rejected", "completed", "failed"} else None

    job = await wait_for(rejected)
    report = await platform.gateway.get(job["report_url"], headers=platform.auth("worker"))
    missing = await platform.gateway.get(
        f"/api/residents/imports/{uuid.uuid4()}", headers=platform.auth("worker")
    )

    assert location == f"/api/residents/imports/{created.json()['id']}"
    assert job["status"] == "rejected"
    assert job["report_url"] == f"{location}/report.csv"
    assert report.status_code == 200 and "id_number_invalid" in report.text
    assert missing.status_code == 404
    assert missing.json()["instance"].startswith("/api/residents/imports/")


async def test_the_merged_document_declares_the_bearer_scheme(platform: Platform) -> None:
    doc = (await platform.gateway.get("/openapi.json")).json()

    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    operation = doc["paths"]["/api/residents/registrations"]["post"]
    assert operation["security"] == [{"HTTPBearer": []}]


async def test_an_incident_through_the_gateway_from_report_to_verification(
    platform: Platform,
) -> None:
    """A resident reports at a building svc-residents knows; the community dispatches it to its
    grid worker (account made by the CLI, grid named by code), who resolves it; the resident
    verifies; a district system on its wildcard sees every step, with no free text."""
    p = platform
    await import_divisions(p)
    grid = await p.gateway.post(
        "/api/residents/grids",
        json={"community_code": p.community, "number": 1, "name": "第1网格"},
        headers=p.auth("worker"),
    )
    assert grid.status_code == 201, grid.text
    building = await p.gateway.post(
        "/api/residents/buildings",
        json={"community_code": p.community, "name": "7幢", "grid_id": grid.json()["id"]},
        headers=p.auth("worker"),
    )
    assert building.status_code == 201, building.text
    await p.stack.add_staff("grid_worker", "grid_worker", p.community, grids=[f"{p.community}-01"])
    category = await p.gateway.post(
        "/api/grid/incidents/categories",
        json={
            "code": f"e2e.{uuid.uuid4().hex[:8]}",
            "name": "楼道杂物",
            "dispatch_sla_minutes": 30,
            "resolve_sla_hours": 24,
        },
        headers=p.auth("city_admin"),
    )
    assert category.status_code == 201, category.text

    district_system = await nats.connect(p.nats_server.url)
    received: list[dict[str, Any]] = []

    async def on_message(msg: Any) -> None:
        received.append(json.loads(msg.data))

    await district_system.subscribe(f"linli.{CITY}.{DISTRICT}.>", cb=on_message)
    body = {
        "category": category.json()["code"],
        "title": "楼道堆满纸箱",
        "description": "七幢二楼楼道堆满纸箱",
        "building_id": building.json()["id"],
    }

    async def reported() -> httpx.Response | None:
        # The grid learns of the building from svc-residents' event, a moment after it exists.
        answer = await p.gateway.post("/api/grid/incidents", json=body, headers=p.auth("resident"))
        return answer if answer.status_code == 201 else None

    incident = (await wait_for(reported)).json()
    assert incident["grid_id"] == grid.json()["id"]
    path = f"/api/grid/incidents/{incident['id']}"
    # The dispatcher names the grid worker by account id: the subject of the worker's token.
    subject = jwt.decode(p.tokens["grid_worker"], options={"verify_signature": False})["sub"]
    # The community assigns its grid worker to the grid: incidents there are dispatched to them.
    assigned = await p.gateway.put(
        f"/api/grid/grids/{grid.json()['id']}/workers/{subject}",
        json={"name": "李四"},
        headers=p.auth("worker"),
    )
    assert assigned.status_code in (200, 201), assigned.text
    dispatched = await p.gateway.post(
        f"{path}/dispatch",
        json={"assignee_subject": subject, "assignee_name": "李四"},
        headers=p.auth("worker"),
    )
    assert dispatched.status_code == 200, dispatched.text
    for step, note in (("accept", None), ("start", None), ("resolve", "已清理")):
        answer = await p.gateway.post(
            f"{path}/{step}",
            json={"note": note} if note else {},
            headers=p.auth("grid_worker"),
        )
        assert answer.status_code == 200, answer.text
    rated = await p.gateway.post(
        f"{path}/rating", json={"rating": 5, "fixed": True}, headers=p.auth("resident")
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["status"] == "verified"
    assert (await p.gateway.get(path, headers=p.auth("other_worker"))).status_code == 404

    wanted = {"reported", "dispatched", "accepted", "started", "resolved", "rated", "verified"}

    async def every_step() -> bool:
        verbs = {
            e["type"].split(".")[-2]
            for e in received
            if e["data"].get("incident_id") == incident["id"]
        }
        return wanted <= verbs

    await wait_for(every_step)
    text = json.dumps([e for e in received if e["data"].get("incident_id") == incident["id"]])
    assert "纸箱" not in text and "李" not in text

    # A sensor of the grid alerts through the gateway with its own credentials, not a token.
    device = await p.gateway.post(
        "/api/grid/devices",
        json={"grid_id": grid.json()["id"], "name": "江边水位计"},
        headers=p.auth("worker"),
    )
    assert device.status_code == 201, device.text
    credentials = (device.json()["id"], device.json()["secret"])
    alert = await p.gateway.post(
        "/api/grid/sensor-alerts", json={"kind": category.json()["code"]}, auth=credentials
    )
    assert alert.status_code == 202, alert.text

    async def alarm() -> bool:
        return any(
            e["type"] == "cn.linli.grid.alarm.raised.v1"
            and e["data"]["incident_id"] == alert.json()["incident_id"]
            for e in received
        )

    await wait_for(alarm)
    forged = await p.gateway.post(
        "/api/grid/sensor-alerts",
        json={"kind": category.json()["code"]},
        auth=(credentials[0], "wrong"),
    )
    assert forged.status_code == 401

    # An Open311 app posts through the gateway's /open311/v2 with the key the community issued.
    issued = await p.gateway.post(
        "/api/grid/open311-clients", json={"name": "城市随手拍"}, headers=p.auth("worker")
    )
    assert issued.status_code == 201, issued.text
    form = {
        "api_key": issued.json()["api_key"],
        "service_code": category.json()["code"],
        "address_id": building.json()["id"],
        "description": "七幢门口路灯不亮",
    }
    posted = await p.gateway.post("/open311/v2/requests.xml", data=form)
    assert posted.status_code == 200, posted.text
    request_id = xmltodict.parse(posted.content)["service_requests"]["request"][
        "service_request_id"
    ]
    refused = await p.gateway.post("/open311/v2/requests.json", data={**form, "api_key": "x"})
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403

    # The sensor's and the app's incidents are dispatched and resolved like the resident's; the
    # community closes them, as there is no person to verify.
    for incident_id in (alert.json()["incident_id"], request_id):
        steps = f"/api/grid/incidents/{incident_id}"
        dispatched = await p.gateway.post(
            f"{steps}/dispatch",
            json={"assignee_subject": subject, "assignee_name": "李四"},
            headers=p.auth("worker"),
        )
        assert dispatched.status_code == 200, dispatched.text
        for step, note in (("accept", None), ("start", None), ("resolve", "已处理")):
            answer = await p.gateway.post(
                f"{steps}/{step}",
                json={"note": note} if note else {},
                headers=p.auth("grid_worker"),
            )
            assert answer.status_code == 200, answer.text
        closed = await p.gateway.post(
            f"{steps}/close", json={"note": "已核实"}, headers=p.auth("worker")
        )
        assert closed.status_code == 200, closed.text
    read_back = await p.gateway.get(f"/open311/v2/requests/{request_id}.json")
    assert read_back.status_code == 200, read_back.text
    assert read_back.json()[0]["status"] == "closed"

    async def handled() -> bool:
        verbs = {
            (e["data"].get("incident_id"), e["type"].split(".")[-2])
            for e in received
            if e["type"].startswith("cn.linli.grid.incident.")
        }
        return all(
            (i, verb) in verbs
            for i in (alert.json()["incident_id"], request_id)
            for verb in ("reported", "dispatched", "resolved", "closed")
        )

    await wait_for(handled)
    await district_system.close()


async def test_an_approved_resident_acts_in_their_community_after_the_next_refresh(
    platform: Platform,
) -> None:
    """The token of the account that registered carries its record once approved: `scope` is the
    community and `resident_id` the record, so every service knows who is asking."""
    p = platform
    await import_divisions(p)
    login = await p.gateway.post(
        "/auth/resident/login", json={"provider": "dev", "code": f"dev:{uuid.uuid4()}"}
    )
    assert login.status_code == 200, login.text
    p.tokens["newcomer"] = login.json()["access_token"]
    response = await p.gateway.post(
        "/api/residents/registrations",
        json=registration_body(p, room="808", serial="9"),
        headers=p.auth("newcomer"),
    )
    assert response.status_code == 201, response.text
    assert (await approve(p, response.json()["id"])).status_code == 200

    refreshed = await p.gateway.post(
        "/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    claims = jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert claims["scope"] == p.community
    p.tokens["newcomer"] = refreshed.json()["access_token"]
    me = await p.gateway.get("/api/residents/residents/me", headers=p.auth("newcomer"))
    assert me.status_code == 200, me.text
    assert claims["resident_id"] == me.json()["id"]
