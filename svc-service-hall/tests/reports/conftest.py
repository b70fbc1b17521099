"""Helpers of report tests: a resident filing reports, and svc-grid's incident events as the
grid would publish them, applied by the hall's own consumer handler."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.events import CloudEvent
from linli.service_hall.incident_copies.handlers import INCIDENTS_CONSUMER

Auth = Any


@dataclass
class Grid:
    """svc-grid as the hall hears it: each call is one `incident.*` event, applied once."""

    sessionmaker: async_sessionmaker[AsyncSession]
    clock: datetime = field(default_factory=lambda: datetime.now(UTC))

    def event(
        self, verb: str, *, incident_id: str, community_code: str, status: str, **data: Any
    ) -> CloudEvent:
        self.clock += timedelta(milliseconds=10)
        kind = f"cn.linli.grid.incident.{verb}.v1"
        return CloudEvent(
            id=str(uuid.uuid4()),
            source="/linli/grid",
            type=kind,
            subject=incident_id,
            time=self.clock,
            data={
                "type": kind,
                "incident_id": incident_id,
                "community_code": community_code,
                "grid_id": None,
                "building_id": None,
                "category": "environment.garbage",
                "status": status,
                "level": data.pop("level", "community"),
                "actor_role": data.pop("actor_role", "community_worker"),
                "at": self.clock.isoformat(),
                **data,
            },
        )

    async def apply(self, *events: CloudEvent) -> None:
        for event in events:
            async with self.sessionmaker.begin() as session:
                await INCIDENTS_CONSUMER.handler(session, event)

    async def take(self, report: dict[str, Any]) -> str:
        """The grid opens the report's incident: reported, then linked (one transaction)."""
        incident_id = str(uuid.uuid4())
        where = {"incident_id": incident_id, "community_code": report["community_code"]}
        await self.apply(
            self.event("reported", status="reported", actor_role="resident", **where),
            self.event(
                "linked",
                status="reported",
                actor_role="resident",
                report_id=report["id"],
                **where,
            ),
        )
        return incident_id

    async def steps(
        self, report: dict[str, Any], incident_id: str, *steps: tuple[str, str]
    ) -> None:
        """One event per (verb, status after it); `rated` carries a 5 and "fixed"."""
        where = {"incident_id": incident_id, "community_code": report["community_code"]}
        for verb, status in steps:
            extra: dict[str, Any] = {"rating": 5, "fixed": True} if verb == "rated" else {}
            await self.apply(self.event(verb, status=status, **where, **extra))


TO_RESOLVED = (
    ("dispatched", "dispatched"),
    ("accepted", "accepted"),
    ("started", "in_progress"),
    ("resolved", "resolved"),
)


@pytest.fixture
def grid(sessionmaker: async_sessionmaker[AsyncSession]) -> Grid:
    return Grid(sessionmaker)


@dataclass
class Resident:
    client: httpx.AsyncClient
    headers: dict[str, str]
    community_code: str

    async def report(self, **fields: Any) -> dict[str, Any]:
        body = {
            "category": "environment.garbage",
            "title": "3幢门口垃圾堆放",
            "description": "垃圾三天没人清，联系我13812345678",
            "address": "3幢2单元门口",
            **fields,
        }
        response = await self.client.post("/reports", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def read(self, report_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/reports/{report_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def resident(client: httpx.AsyncClient, auth: Auth, community_code: str) -> Resident:
    return Resident(
        client, auth(Role.RESIDENT, scope=community_code, name="王小明"), community_code
    )
