"""The people and helpers of incident tests: one community, its reporter, grid worker and staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from linli.common.auth import Role
from linli.common.outbox import OutboxMessage
from linli.testing import OutboxReader


@dataclass
class Cast:
    """One community's place and people, and the steps they take through the API."""

    client: httpx.AsyncClient
    outbox: OutboxReader
    place: Any
    category: str
    resident: dict[str, str]
    worker_subject: str
    worker: dict[str, str]
    community: dict[str, str]

    async def report(self, *, reporter: dict[str, str] | None = None, **fields: Any) -> Any:
        body: dict[str, Any] = {
            "category": self.category,
            "title": "楼道堆放杂物",
            "description": "三楼楼道堆满纸箱，有火灾隐患",
            "building_id": str(self.place.building_id),
            **fields,
        }
        response = await self.client.post(
            "/incidents", json=body, headers=reporter or self.resident
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def dispatch(
        self, incident_id: str, *, by: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            f"/incidents/{incident_id}/dispatch",
            json={
                "assignee_subject": self.worker_subject,
                "assignee_name": "李四",
                "note": "请处理",
            },
            headers=by or self.community,
        )

    async def step(
        self,
        incident_id: str,
        step: str,
        *,
        by: dict[str, str] | None = None,
        note: str | None = None,
    ) -> httpx.Response:
        """A step without a body other than its note (by the grid worker unless `by`)."""
        return await self.client.post(
            f"/incidents/{incident_id}/{step}",
            json={"note": note} if note is not None else {},
            headers=by or self.worker,
        )

    async def read(self, incident_id: str, *, by: dict[str, str] | None = None) -> Any:
        response = await self.client.get(f"/incidents/{incident_id}", headers=by or self.community)
        assert response.status_code == 200, response.text
        return response.json()

    async def resolved(self) -> str:
        """An incident the resident reported and the grid worker resolved."""
        incident_id = str((await self.report())["id"])
        assert (await self.dispatch(incident_id)).status_code == 200
        for step, note in (("accept", None), ("start", None), ("resolve", "已清理")):
            response = await self.step(incident_id, step, note=note)
            assert response.status_code == 200, response.text
        return incident_id

    async def events(self, incident_id: str) -> list[OutboxMessage]:
        """The incident's events in the order they were recorded (rows of one transaction
        share `created_at`; each CloudEvent's own time tells them apart)."""
        mine = [
            m
            for m in await self.outbox.messages()
            if m.payload["data"].get("incident_id") == incident_id
        ]
        return sorted(mine, key=lambda m: (m.created_at, m.payload["time"]))


@pytest.fixture
async def cast(
    client: httpx.AsyncClient,
    outbox: OutboxReader,
    make_place: Any,
    make_category: Any,
    auth: Any,
    community_code: str,
) -> Cast:
    place = await make_place(community_code=community_code)
    worker_subject = str(uuid.uuid4())
    community = auth(Role.COMMUNITY_WORKER, scope=community_code, name="赵六")
    # The community's grid worker serves the grid: incidents there are dispatched to them.
    assigned = await client.put(
        f"/grids/{place.grid_id}/workers/{worker_subject}", json={"name": "李四"}, headers=community
    )
    assert assigned.status_code in (200, 201), assigned.text
    return Cast(
        client=client,
        outbox=outbox,
        place=place,
        category=await make_category(),
        resident=auth(Role.RESIDENT, scope=community_code, name="王小明"),
        worker_subject=worker_subject,
        worker=auth(
            Role.GRID_WORKER,
            scope=community_code,
            subject=worker_subject,
            grids=(place.grid_id,),
            name="李四",
        ),
        community=community,
    )
