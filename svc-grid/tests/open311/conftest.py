"""An Open311 client application issued by a community's staff, and a form poster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from linli.common.auth import Role

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class App:
    """A civic-reporting app with its api_key, in one community with a grid and a building."""

    client: httpx.AsyncClient
    place: Any
    category: str
    api_key: str
    client_id: str
    staff: dict[str, str]

    async def post(self, fmt: str = "json", **fields: Any) -> httpx.Response:
        form = {
            "api_key": self.api_key,
            "service_code": self.category,
            "address_id": str(self.place.building_id),
            "description": "路灯不亮，晚上很黑",
            **fields,
        }
        form = {k: v for k, v in form.items() if v is not None}
        return await self.client.post(f"/open311/v2/requests.{fmt}", data=form)


@pytest.fixture
async def app311(
    client: httpx.AsyncClient, auth: Any, make_place: Any, make_category: Any, community_code: str
) -> App:
    place = await make_place(community_code=community_code)
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code, name="赵六")
    created = await client.post("/open311-clients", json={"name": "城市随手拍"}, headers=staff)
    assert created.status_code == 201, created.text
    return App(
        client=client,
        place=place,
        category=await make_category(),
        api_key=created.json()["api_key"],
        client_id=created.json()["id"],
        staff=staff,
    )
