"""Fixtures of the applications tests: a filed application and its actors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from linli.common.auth import Role


@dataclass
class Case:
    """One resident's filed application, and who acts on it."""

    client: httpx.AsyncClient
    application: dict[str, Any]
    resident: Any
    staff: dict[str, str]

    @property
    def id(self) -> str:
        return str(self.application["id"])

    async def step(
        self, action: str, body: dict[str, Any] | None = None, *, by: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            f"/applications/{self.id}/{action}",
            json=body if body is not None else {},
            headers=by or self.staff,
        )

    async def read(self, *, by: dict[str, str] | None = None) -> dict[str, Any]:
        answer = await self.client.get(
            f"/applications/{self.id}", headers=by or self.resident.headers
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


CaseMaker = Callable[..., Awaitable[Case]]


@pytest.fixture
def filed(
    client: httpx.AsyncClient,
    make_item: Any,
    make_resident: Any,
    uploads: Any,
    auth: Any,
    community_code: str,
) -> CaseMaker:
    async def make(**item: Any) -> Case:
        made = await make_item(
            materials=[
                {
                    "code": "id_card",
                    "name": "身份证",
                    "required": True,
                    "types": ["application/pdf"],
                },
                {"code": "photo", "name": "照片", "required": False, "types": ["image/png"]},
            ],
            **item,
        )
        resident = await make_resident(community_code=community_code)
        answer = await client.post(
            "/applications",
            headers=resident.headers,
            **uploads.form(item_id=made["id"], files={"id_card": uploads.pdf()}),
        )
        assert answer.status_code == 201, answer.text
        staff = auth(Role.COMMUNITY_WORKER, scope=community_code, name="赵敏")
        return Case(client, answer.json()["applications"][0], resident, staff)

    return make
