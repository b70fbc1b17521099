"""我要反映 end to end over real JetStream: the hall's outbox relay and svc-grid's durable
consumer, with svc-grid down when the report is filed and again when it is rated. The grid
catches up both times; the report ends closed with one incident, each step once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common.auth import Role
from linli.common.db import create_engine, create_sessionmaker
from linli.common.outbox import OutboxMessage
from linli.common.settings import Environment
from linli.grid.app import create_app as create_grid
from linli.grid.config import NAME as GRID
from linli.grid.config import Settings as GridSettings
from linli.grid.models import Incident
from linli.grid.places import service as places
from linli.grid.places.schemas import GridCreated
from linli.infra.embedded import NatsServer
from linli.service_hall.app import create_app as create_hall
from linli.service_hall.config import Settings
from linli.testing import OutboxReader, serve_app
from linli.testing.tokens import TestIssuer

Auth = Any
T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], *, within_s: float = 30) -> T:
    """The probe's first truthy answer, polled every 0.1 s."""
    async with asyncio.timeout(within_s):
        while True:
            answer = await probe()
            if answer:
                return answer
            await asyncio.sleep(0.1)


async def _all_sent(engines: Sequence[AsyncEngine]) -> None:
    """Earlier tests' events stay behind: this test's private NATS sees only its own."""
    for engine in engines:
        async with engine.begin() as conn:
            await conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None))
                .values(sent_at=func.now())
            )


@pytest.fixture
async def grid_engine(service_database: Callable[[str], str]) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(service_database(GRID), pool_size=2)
    yield engine
    await engine.dispose()


async def test_a_report_filed_and_rated_while_the_grid_is_down_is_closed_once_it_catches_up(
    settings: Settings,
    issuer: TestIssuer,
    nats_server: NatsServer,
    service_database: Callable[[str], str],
    engine: AsyncEngine,
    grid_engine: AsyncEngine,
    outbox: OutboxReader,
    auth: Auth,
    community_code: str,
) -> None:
    await _all_sent((engine, grid_engine))
    hall_settings = settings.model_copy(
        update={
            "nats_url": nats_server.url,
            "run_outbox_relay": True,
            "run_consumers": True,
            "outbox_poll_interval_s": 0.2,
        }
    )
    grid_settings = GridSettings(
        database_url=service_database(GRID),
        nats_url=nats_server.url,
        environment=Environment.TEST,
        log_json=False,
        run_timers=False,
        outbox_poll_interval_s=0.2,
    )

    def grid() -> AbstractAsyncContextManager[httpx.AsyncClient]:
        return serve_app(create_grid(grid_settings, token_verifier=issuer.verifier()))

    resident = auth(Role.RESIDENT, scope=community_code, name="王小明")
    worker_subject = str(uuid.uuid4())
    worker = auth(Role.GRID_WORKER, scope=community_code, subject=worker_subject, name="李四")
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code, name="赵六")
    # The community's grid, as svc-residents' events would have put it in the grid's places.
    grid_id = uuid.uuid4()
    async with create_sessionmaker(grid_engine).begin() as session:
        await places.apply_grid(
            session,
            event=GridCreated(
                type="cn.linli.residents.grid.created.v1",
                community_code=community_code,
                grid_id=grid_id,
                number=1,
                name="一网格",
            ),
            at=datetime.now(UTC),
        )

    category = f"test.{uuid.uuid4().hex[:10]}"
    async with grid() as grid_api:
        assigned = await grid_api.put(
            f"/grids/{grid_id}/workers/{worker_subject}", json={"name": "李四"}, headers=staff
        )
        assert assigned.status_code == 200, assigned.text
        created = await grid_api.post(
            "/incidents/categories",
            json={
                "code": category,
                "name": "垃圾堆放",
                "dispatch_sla_minutes": 60,
                "resolve_sla_hours": 24,
            },
            headers=auth(Role.CITY_ADMIN, scope="3301"),
        )
        assert created.status_code == 201, created.text

    async def incidents(report_id: str) -> list[tuple[uuid.UUID, str, int | None]]:
        """(id, status, rating) of the grid's incidents of the report, straight from its table."""
        async with grid_engine.connect() as conn:
            rows = await conn.execute(
                select(Incident.id, Incident.status, Incident.rating).where(
                    Incident.reporter_subject == f"hall-report:{report_id}"
                )
            )
            return [(row.id, row.status.value, row.rating) for row in rows]

    async with serve_app(create_hall(hall_settings, token_verifier=issuer.verifier())) as hall:

        async def report_in(state: str) -> dict[str, Any] | None:
            read = (await hall.get(f"/reports/{report_id}", headers=resident)).json()
            return dict(read) if read["status"] == state else None

        # svc-grid is down: the report is stored, its event published and kept by JetStream.
        filed = await hall.post(
            "/reports",
            json={
                "category": category,
                "title": "3幢门口垃圾堆放",
                "description": "垃圾三天没人清",
                "address": "3幢2单元门口",
            },
            headers=resident,
        )
        assert filed.status_code == 201, filed.text
        report_id = filed.json()["id"]

        async def published() -> bool:
            rows = await outbox.messages(type="report.filed")
            return any(
                m.subject.endswith("report.filed") and m.sent_at
                for m in rows
                if m.payload["data"]["report_id"] == report_id
            )

        await eventually(published)
        assert await incidents(report_id) == []

        async with grid() as grid_api:
            taken = await eventually(lambda: report_in("handling"))
            [(incident_id, _, _)] = await incidents(report_id)
            assert taken["incident_id"] == str(incident_id)
            path = f"/incidents/{incident_id}"
            dispatched = await grid_api.post(
                f"{path}/dispatch",
                json={"assignee_subject": worker_subject, "assignee_name": "李四"},
                headers=staff,
            )
            assert dispatched.status_code == 200, dispatched.text
            for step in ("accept", "start", "resolve"):
                response = await grid_api.post(
                    f"{path}/{step}", json={"note": "已清运"}, headers=worker
                )
                assert response.status_code == 200, response.text
            await eventually(lambda: report_in("resolved"))

        # svc-grid is down again when the resident rates: the rating waits in the stream.
        rated = await hall.post(
            f"/reports/{report_id}/rating",
            json={"rating": 5, "fixed": True, "comment": "很及时"},
            headers=resident,
        )
        assert rated.status_code == 200, rated.text

        async with grid():
            closed = await eventually(lambda: report_in("closed"))

    assert [(status, rating) for _, status, rating in await incidents(report_id)] == [
        ("verified", 5)
    ]
    assert closed["incident"]["status"] == "verified"
    assert [s["action"] for s in closed["timeline"]] == [
        "reported",
        "dispatched",
        "accepted",
        "started",
        "resolved",
        "rated",
        "verified",
    ]
    closings = [d for d in await outbox.data("report.closed") if d["report_id"] == report_id]
    assert len(closings) == 1
