"""一表通 through the gateway against the real services in-process: the city's and a street's
report equal recounts of the services' rows and their own answers; the XLSX opens with openpyxl
and holds the rows; a community sees its street's and district's averages; with a service down
or hanging, the report still answers within its limit, partial with the part marked."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from linli.common.auth import TokenVerifier
from linli.common.settings import Environment
from linli.funds.app import create_app as create_funds
from linli.funds.config import Settings as FundsSettings
from linli.grid.app import create_app as create_grid
from linli.grid.config import Settings as GridSettings
from linli.infra.databases import create_database, migrate
from linli.jobs_coop.app import create_app as create_coop
from linli.jobs_coop.config import Settings as CoopSettings
from linli.residents.app import create_app as create_residents
from linli.residents.config import Settings as ResidentsSettings
from linli.service_hall.app import create_app as create_hall
from linli.service_hall.config import Settings as HallSettings
from tests.e2e.test_through_gateway import ID_BASE, PHONE, gb11643
from tests.gateway_stack import GatewayStack, ServiceFactory, gateway_stack

CITY, DISTRICT = "3301", "330108"
STREET, OTHER_STREET = "330108001", "330108002"
C1, C2, C3 = f"{STREET}001", f"{STREET}002", f"{OTHER_STREET}001"
DIVISIONS = "\n".join(
    [
        "code,name",
        f"{CITY},杭州市",
        f"{DISTRICT},滨江区",
        f"{STREET},西兴街道",
        f"{OTHER_STREET},长河街道",
        f"{C1},东信社区",
        f"{C2},彩虹城社区",
        f"{C3},长河社区",
    ]
)
LIMIT_S = 1.0
RESIDENT_OPENID = "stats-resident"
SECTIONS = ["residents", "incidents", "service_hall", "funds", "jobs_coop"]


def _factory(create: Any, settings: Any, nats_url: str) -> ServiceFactory:
    def make(database_url: str, verifier: TokenVerifier) -> FastAPI:
        app: FastAPI = create(
            settings(
                database_url=database_url,
                nats_url=nats_url,
                environment=Environment.TEST,
                log_json=False,
                run_outbox_relay=False,
                run_consumers=False,
            ),
            token_verifier=verifier,
        )
        return app

    return make


async def _staff(stack: GatewayStack) -> None:
    # Each account is a `linli users create` process: made side by side.
    await asyncio.gather(
        stack.add_staff("city_admin", "city_admin", CITY),
        stack.add_staff("street_admin", "street_admin", STREET),
        stack.add_staff("worker", "community_worker", C1),
    )
    await stack.add_resident("resident", RESIDENT_OPENID)
    imported = await stack.gateway.post(
        "/api/residents/divisions/import",
        content=DIVISIONS.encode(),
        headers={**stack.auth("city_admin"), "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text


@pytest.fixture
async def full_stack(
    pg_server_url: str, nats_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[GatewayStack, dict[str, str]]]:
    # Five services and the gateway share this test's one event loop (and the CI machine with
    # other suites): the production limit per call is no measure here. The timing below is.
    monkeypatch.setenv("LINLI_STATS_TIMEOUT_S", str(LIMIT_S))
    databases = {}
    for name in ("residents", "grid", "funds"):
        url = create_database(pg_server_url, f"stats_{name}_{int(time.time() * 1000)}")
        migrate(name, url)
        databases[name] = url
    services = {
        "residents": _factory(create_residents, ResidentsSettings, nats_url),
        "grid": _factory(create_grid, GridSettings, nats_url),
        "service-hall": _factory(create_hall, HallSettings, nats_url),
        "funds": _factory(create_funds, FundsSettings, nats_url),
        "jobs-coop": _factory(create_coop, CoopSettings, nats_url),
    }
    async with gateway_stack(pg_server_url, tmp_path, services, databases=databases) as stack:
        await _staff(stack)
        yield stack, databases


async def _register_and_approve(stack: GatewayStack, *, room: str, serial: str) -> str:
    body = {
        "community_code": C1,
        "name": "张三",
        "id_number": gb11643(ID_BASE[:-1] + serial),
        "phone": PHONE,
        "sex": "male",
        "address": {"building": "3", "unit": "1", "room": room},
        "relation_to_head": "head",
        "consent": True,
    }
    filed = await stack.gateway.post(
        "/api/residents/registrations", json=body, headers=stack.auth("resident")
    )
    assert filed.status_code == 201, filed.text
    approved = await stack.gateway.post(
        f"/api/residents/registrations/{filed.json()['id']}/approve", headers=stack.auth("worker")
    )
    assert approved.status_code == 200, approved.text
    return str(approved.json()["resident_id"])


async def _fund(stack: GatewayStack, who: str, division: str, name: str, income_fen: int) -> None:
    kind = "community" if len(division) == 12 else "street"
    fund = await stack.gateway.post(
        "/api/funds/funds",
        json={"division_code": division, "kind": kind, "name": name},
        headers=stack.auth(who),
    )
    assert fund.status_code == 201, fund.text
    income = await stack.gateway.post(
        f"/api/funds/funds/{fund.json()['id']}/income",
        json={"amount_fen": income_fen, "payer": "长者食堂"},
        headers=stack.auth(who),
    )
    assert income.status_code == 201, income.text


async def _recount(database_url: str, sql: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


def figures(unit: dict[str, Any], section: str) -> dict[str, int]:
    assert unit["sections"][section]["status"] == "ok", unit["sections"][section]
    found: dict[str, int] = unit["sections"][section]["figures"]
    return found


@pytest.mark.timeout(180)
async def test_reports_equal_recounts_export_to_xlsx_and_stay_partial_when_a_service_fails(
    full_stack: tuple[GatewayStack, dict[str, str]],
) -> None:
    stack, databases = full_stack
    gateway = stack.gateway
    resident_id = await _register_and_approve(stack, room="501", serial="1")
    await _register_and_approve(stack, room="502", serial="3")
    await _fund(stack, "worker", C1, "东信社区基金", 50_000)
    await _fund(stack, "street_admin", STREET, "西兴街道基金", 1_000_000)

    # The first call opens each service's database pool; the second is the steady state.
    await gateway.get(f"/api/stats/{CITY}", headers=stack.auth("city_admin"))
    started = time.perf_counter()
    city = await gateway.get(f"/api/stats/{CITY}", headers=stack.auth("city_admin"))
    elapsed = time.perf_counter() - started
    assert city.status_code == 200, city.text
    report = city.json()
    assert elapsed < 1.0, elapsed
    assert (report["partial"], report["missing"]) == (False, []), report
    assert (report["division"]["code"], report["division"]["name"]) == (CITY, "杭州市")
    assert [(c["code"], c["name"]) for c in report["children"]] == [(DISTRICT, "滨江区")]
    assert sorted(report["sources"]) == sorted(SECTIONS)
    top = report["division"]
    # Each figure equals a recount of the owning service's rows.
    population = await _recount(
        databases["residents"], "SELECT count(*) FROM residents WHERE deleted_at IS NULL"
    )
    households = await _recount(
        databases["residents"], "SELECT count(*) FROM households WHERE deleted_at IS NULL"
    )
    cash = await _recount(
        databases["funds"],
        "SELECT coalesce(sum(balance_fen), 0) FROM accounts WHERE kind = 'cash'",
    )
    open_incidents = await _recount(
        databases["grid"],
        "SELECT count(*) FROM incidents WHERE status NOT IN ('closed', 'verified', 'merged')",
    )
    assert (population, cash) == (2, 1_050_000)
    assert figures(top, "residents")["population"] == population
    assert figures(top, "residents")["households"] == households
    assert figures(top, "funds")["balance_fen"] == cash
    assert figures(top, "funds")["funds"] == 2
    assert figures(top, "incidents")["open"] == open_incidents
    assert figures(top, "service_hall")["applications_open"] == 0
    assert "members_in_pool" in figures(top, "jobs_coop")
    # The city's figures are its district's (one district).
    assert report["children"][0]["sections"] == top["sections"]

    street = (await gateway.get(f"/api/stats/{STREET}", headers=stack.auth("street_admin"))).json()
    assert [c["code"] for c in street["children"]] == [C1, C2]
    c1, c2 = street["children"]
    assert (figures(c1, "residents")["population"], figures(c2, "residents")["population"]) == (
        2,
        0,
    )
    assert figures(c1, "funds")["balance_fen"] == 50_000
    assert figures(street["division"], "funds")["balance_fen"] == 1_050_000
    # The same figures as the service answers them itself.
    own = await stack.services["residents"].get(
        "/stats", params={"division": C1}, headers=stack.auth("street_admin")
    )
    assert own.json()["population"] == figures(c1, "residents")["population"]

    workbook = await gateway.get(f"/api/stats/{STREET}.xlsx", headers=stack.auth("street_admin"))
    assert workbook.status_code == 200, workbook.text
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert workbook.headers["x-linli-partial"] == "false"
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True)["统计报表"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "西兴街道" in str(rows[0][0])
    assert rows[2][:2] == ["状态 status", "完整 complete"]
    header = rows[4]
    population_column = header.index("人口与户籍 residents.population")
    balance_column = header.index("社区基金 funds.balance_fen")
    body = {row[0]: row for row in rows[5:]}
    assert list(body) == [STREET, C1, C2]
    assert (body[C1][population_column], body[C1][balance_column]) == (2, 50_000)
    assert body[STREET][balance_column] == 1_050_000
    same = await gateway.get(
        f"/api/stats/{STREET}", params={"format": "xlsx"}, headers=stack.auth("street_admin")
    )
    assert same.headers["content-type"] == workbook.headers["content-type"]

    # Data down: the community next to its street's (2 communities) and district's (3) means.
    peers = await gateway.get(f"/api/stats/{C1}/peers", headers=stack.auth("worker"))
    assert peers.status_code == 200, peers.text
    # The levels above are read with the gateway's auditor token: every service answers it.
    assert peers.json()["partial"] is False, peers.text
    street_mean, district_mean = peers.json()["averages"]
    assert (street_mean["over"]["code"], street_mean["units"]) == (STREET, 2)
    assert (district_mean["over"]["code"], district_mean["units"]) == (DISTRICT, 3)
    assert figures(peers.json()["division"], "residents")["population"] == 2
    assert figures(street_mean, "residents")["population"] == 1
    assert figures(street_mean, "funds")["balance_fen"] == 1_050_000 // 2
    assert figures(district_mean, "residents")["population"] == 0

    # A resident's facts: logged in again, the account is linked to the approved record; they
    # join the labour pool themselves.
    await stack.add_resident("resident", RESIDENT_OPENID)
    enrolled = await gateway.post(
        "/api/jobs-coop/members",
        json={"name": "张三", "phone": "13900001111", "consent": True},
        headers=stack.auth("resident"),
    )
    assert enrolled.status_code == 201, enrolled.text
    facts = await gateway.get(f"/api/facts/residents/{resident_id}", headers=stack.auth("worker"))
    assert facts.status_code == 200, facts.text
    parts = facts.json()["parts"]
    assert sorted(parts) == ["applications", "coop", "incidents"]
    [member] = parts["coop"]["data"]["members"]
    assert (member["id"], member["community_code"]) == (enrolled.json()["id"], C1)
    assert (parts["incidents"]["status"], parts["incidents"]["data"]["open"]) == ("ok", 0)
    # The hall has not heard of the resident (its consumers are off here): its own 404.
    assert parts["applications"]["status"] == "refused"
    assert facts.json()["partial"] is True
    other_worker = await gateway.get(
        f"/api/facts/residents/{resident_id}", headers=stack.auth("street_admin")
    )
    assert other_worker.json()["parts"]["coop"]["data"]["members"] == [member]

    # Refusals: outside the scope, a resident, a bad code, an unknown parameter, no token.
    for path in (f"/api/stats/{STREET}", f"/api/stats/{C3}/peers", f"/api/stats/{CITY}.xlsx"):
        assert (await gateway.get(path, headers=stack.auth("worker"))).status_code == 403, path
    assert (
        await gateway.get(f"/api/stats/{C1}", headers=stack.auth("resident"))
    ).status_code == 403
    resident_facts = await gateway.get(
        f"/api/facts/residents/{resident_id}", headers=stack.auth("resident")
    )
    assert resident_facts.status_code == 403
    for path in ("/api/stats/33010", "/api/stats/３３０１", "/api/stats/3301.xlsx?format=pdf"):
        bad = await gateway.get(path, headers=stack.auth("city_admin"))
        assert bad.status_code == 422, path
        assert bad.headers["content-type"].startswith("application/problem+json")
    unknown = await gateway.get(f"/api/stats/{DISTRICT}009", headers=stack.auth("city_admin"))
    assert unknown.status_code == 404, unknown.text
    odd = await gateway.get(f"/api/stats/{CITY}?x=1", headers=stack.auth("city_admin"))
    assert odd.status_code == 422
    assert (await gateway.get(f"/api/stats/{CITY}")).status_code == 401

    # svc-jobs-coop stopped, svc-funds hung: the report still answers, those parts marked.
    stack.transport.route("jobs-coop.internal", None)
    stack.transport.route("funds.internal", httpx.ASGITransport(app=_hanging_service()))
    started = time.perf_counter()
    answer = await gateway.get(f"/api/stats/{STREET}", headers=stack.auth("street_admin"))
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    # Two rounds (the units, then their figures), each bounded by the limit per call.
    assert elapsed < 2 * LIMIT_S + 0.5, elapsed
    partial = answer.json()
    assert (partial["partial"], partial["missing"]) == (True, ["funds", "jobs_coop"])
    assert [c["code"] for c in partial["children"]] == [C1, C2]
    hung = partial["division"]["sections"]["funds"]
    assert (hung["status"], hung["figures"]) == ("unavailable", None)
    assert f"did not answer within {LIMIT_S} s" in hung["reason"]
    stopped = partial["children"][0]["sections"]["jobs_coop"]
    assert stopped["status"] == "unavailable" and "unreachable" in stopped["reason"]
    assert figures(partial["children"][0], "residents")["population"] == 2
    workbook = await gateway.get(f"/api/stats/{STREET}.xlsx", headers=stack.auth("street_admin"))
    assert workbook.headers["x-linli-partial"] == "true"
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True)["统计报表"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[2][1] == "部分数据缺失 PARTIAL: funds, jobs_coop"
    assert "funds" in str(rows[5][-1]) and "jobs_coop" in str(rows[5][-1])
    # A missing part keeps its column, empty for every unit.
    header = rows[4]
    assert all(row[header.index("社区基金 funds")] is None for row in rows[5:])


class _Counting(httpx.AsyncBaseTransport):
    """A service as the gateway sees it, every call it takes written down (its path)."""

    def __init__(self, service: httpx.AsyncClient) -> None:
        self.service = service
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        answer = await self.service.send(request)
        # The body is already decoded: its encoding and length headers no longer apply.
        headers = [
            (key, value)
            for key, value in answer.headers.multi_items()
            if key.lower() not in ("content-encoding", "content-length")
        ]
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)


@pytest.mark.timeout(180)
async def test_the_report_asks_each_service_once_whatever_the_number_of_units(
    full_stack: tuple[GatewayStack, dict[str, str]],
) -> None:
    stack, _ = full_stack
    counted = {name: _Counting(client) for name, client in stack.services.items()}
    for name, transport in counted.items():
        stack.transport.route(f"{name}.internal", transport)
    stats_paths = {
        "residents": "/stats",
        "grid": "/incidents/stats",
        "service-hall": "/stats",
        "funds": "/stats",
        "jobs-coop": "/stats",
    }
    for code, units in ((STREET, [C1, C2]), (DISTRICT, [STREET, OTHER_STREET])):
        for transport in counted.values():
            transport.paths.clear()
        answer = await stack.gateway.get(f"/api/stats/{code}", headers=stack.auth("city_admin"))
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert [c["code"] for c in report["children"]] == units
        assert report["partial"] is False, report["missing"]
        for name, path in stats_paths.items():
            assert counted[name].paths.count(path) == 1, (name, counted[name].paths)
        # svc-residents also names the division and lists its units: one call each.
        assert sorted(counted["residents"].paths) == sorted(
            ["/stats", f"/divisions/{code}", "/divisions"]
        )
        # A unit with no rows in a service is answered with zeros, not left out.
        for child in report["children"]:
            assert figures(child, "funds")["balance_fen"] == 0
            assert figures(child, "incidents")["open"] == 0

    # A service that does not break down (its answer has no `children`) is asked unit by unit.
    asked: list[str] = []
    stack.transport.route("jobs-coop.internal", httpx.ASGITransport(app=_unit_by_unit(asked)))
    answer = await stack.gateway.get(f"/api/stats/{STREET}", headers=stack.auth("city_admin"))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["partial"] is False, report["missing"]
    assert sorted(asked) == sorted([f"{STREET}:true", f"{C1}:false", f"{C2}:false"])
    assert [figures(unit, "jobs_coop") for unit in [report["division"], *report["children"]]] == [
        {"members_in_pool": len(code)} for code in (STREET, C1, C2)
    ]


def _unit_by_unit(asked: list[str]) -> FastAPI:
    """A service whose statistics answer one unit at a time, whatever `children` says."""
    app = FastAPI()

    @app.get("/stats")
    async def stats(division: str, children: bool = False) -> dict[str, object]:
        asked.append(f"{division}:{str(children).lower()}")
        return {"division": division, "members_in_pool": len(division)}

    return app


def _hanging_service() -> FastAPI:
    """A service as a hung process looks: it takes the call and never answers in time."""
    app = FastAPI()

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        await asyncio.sleep(30)
        return {}

    return app
