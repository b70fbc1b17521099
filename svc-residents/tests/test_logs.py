"""No clear ID number or phone in any log line: every path that handles them, good input and bad,
is run with the service's own log formatter capturing everything it writes."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import httpx
import pytest
import structlog

from linli.common.auth import Role
from linli.residents.identity import check_character
from linli.testing.tokens import TestIssuer

pytestmark = pytest.mark.usefixtures("tree")

COMMUNITY = "330108001001"


def valid(body: str) -> str:
    return body + check_character(body)


ID_NUMBER, OTHER_ID_NUMBER = valid("33010819900307123"), valid("33010819851111224")
IMPORTED_ID_NUMBER = valid("33010819700101003")
PHONE, NEW_PHONE, IMPORTED_PHONE = "13812345678", "13900001111", "15857001234"
CLEAR_VALUES = (ID_NUMBER, OTHER_ID_NUMBER, IMPORTED_ID_NUMBER, PHONE, NEW_PHONE, IMPORTED_PHONE)


class LogLines:
    """What the service wrote: its own lines (structlog, straight to stdout) and other libraries'
    records (stdlib, through the formatter the service installed)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], records: io.StringIO) -> None:
        self._capsys = capsys
        self._records = records
        self._out: list[str] = []

    def getvalue(self) -> str:
        self._out.append(self._capsys.readouterr().out)
        return "".join(self._out) + self._records.getvalue()


@pytest.fixture
def log_lines(capsys: pytest.CaptureFixture[str]) -> Iterator[LogLines]:
    """Every line written while the test runs, rendered as the service renders it (DEBUG and up,
    so nothing hides below the production level)."""
    root = logging.getLogger()
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(root.handlers[0].formatter if root.handlers else None)
    # The test's own client logs each URL it calls (query strings with numbers in them); the
    # service under test sends no HTTP request with a resident's data.
    client_log = logging.getLogger("httpx")
    levels = root.level, client_log.level
    wrapper = structlog.get_config()["wrapper_class"]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    client_log.setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        yield LogLines(capsys, captured)
    finally:
        structlog.configure(wrapper_class=wrapper)
        root.removeHandler(handler)
        root.setLevel(levels[0])
        client_log.setLevel(levels[1])


async def test_no_clear_id_number_or_phone_in_any_log_line(
    client: httpx.AsyncClient, issuer: TestIssuer, log_lines: LogLines
) -> None:
    worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=COMMUNITY, subject="worker")
    me = issuer.headers(roles=[Role.RESIDENT], subject="alice")
    address = {"building": "3幢", "unit": "2单元", "room": "501"}
    registration = {
        "community_code": COMMUNITY,
        "name": "张三",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": address,
        "relation_to_head": "head",
        "consent": True,
    }
    statuses: list[int] = []

    async def call(method: str, url: str, **kwargs: object) -> httpx.Response:
        response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
        statuses.append(response.status_code)
        return response

    # Refused input first: the values of a malformed body must not reach a log line either.
    await call("POST", "/registrations", json={**registration, "phone": PHONE + "9"}, headers=me)
    await call(
        "POST",
        "/registrations",
        json={**registration, "id_number": ID_NUMBER[:-1] + "0"},
        headers=me,
    )
    filed = await call("POST", "/registrations", json=registration, headers=me)
    approved = await call("POST", f"/registrations/{filed.json()['id']}/approve", headers=worker)
    resident_id = approved.json()["resident_id"]
    # The same person again, as a worker would enter them: a conflict that names no number.
    await call(
        "POST",
        "/residents",
        json={**registration, "address": {**address, "room": "502"}},
        headers=worker,
    )
    await call(
        "POST", "/residents", json={**registration, "id_number": OTHER_ID_NUMBER}, headers=worker
    )
    await call("GET", "/residents", params={"id_number": ID_NUMBER}, headers=worker)
    await call("GET", "/residents", params={"phone": PHONE}, headers=worker)
    await call(
        "GET",
        f"/residents/{resident_id}",
        params={"reveal": "true", "purpose": "核实"},
        headers=worker,
    )
    await call("POST", "/residents/me/change-requests", json={"phone": NEW_PHONE}, headers=me)
    await call(
        "GET",
        "/exports/residents.csv",
        params={"division": COMMUNITY, "reveal": "true", "purpose": "上报"},
        headers=worker,
    )
    # An import that is rejected (a bad row beside a good one), then one that stores.
    header = "community_code,building,unit,room,name,id_number,phone,relation_to_head\n"
    good = f"{COMMUNITY},9幢,1单元,101,李四,{IMPORTED_ID_NUMBER},{IMPORTED_PHONE},head\n"
    bad = f"{COMMUNITY},9幢,1单元,102,王五,{IMPORTED_ID_NUMBER[:-1]}0,{IMPORTED_PHONE}1,head\n"
    for body in (header + good + bad, header + good):
        job = await call(
            "POST",
            "/imports/residents",
            content=body.encode(),
            headers={**worker, "Content-Type": "text/csv"},
        )
        while job.json()["status"] not in ("completed", "rejected", "failed"):
            await asyncio.sleep(0.1)
            job = await call("GET", f"/imports/{job.json()['id']}", headers=worker)
        await call("GET", f"/imports/{job.json()['id']}/report.csv", headers=worker)

    # The calls did what they should (so the log had something to say about each).
    assert statuses.count(422) >= 2 and 409 in statuses and 201 in statuses
    assert job.json()["status"] == "completed"
    written = log_lines.getvalue()
    assert "/registrations" in written and "/imports/residents" in written
    for value in CLEAR_VALUES:
        assert value not in written, f"{value} appears in the log"
