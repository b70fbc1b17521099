"""Unknown query parameters are refused by name; declared ones, however declared, are not."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel

from linli.common.errors import install_problem_handlers
from linli.common.params import refuse_unknown_query


class Filters(BaseModel):
    status: str | None = None
    tag: str | None = None


def paging(cursor: str | None = None, size: Annotated[int, Query(alias="page-size")] = 10) -> int:
    return size


def make_app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_unknown_query)])
    install_problem_handlers(app)

    @app.get("/things/{thing_id}")
    async def things(
        thing_id: str,
        size: Annotated[int, Depends(paging)],
        filters: Annotated[Filters, Query()],
        q: str | None = None,
    ) -> dict[str, object]:
        return {"thing_id": thing_id, "size": size, "q": q, "status": filters.status}

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app()), base_url="http://t")


async def test_every_declared_parameter_passes(client: httpx.AsyncClient) -> None:
    params = {"q": "x", "cursor": "c", "page-size": "5", "status": "open", "tag": "a"}
    response = await client.get("/things/1", params=params)

    assert response.status_code == 200, response.text
    assert response.json() == {"thing_id": "1", "size": 5, "q": "x", "status": "open"}
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/openapi.json", params={"anything": "1"})).status_code == 200


@pytest.mark.parametrize(
    ("params", "unknown"),
    [
        ({"qq": "x"}, ["query.qq"]),
        ({"page_size": "5"}, ["query.page_size"]),  # the alias is the name, not the argument
        ({"thing_id": "2", "z": "1", "q": "x"}, ["query.thing_id", "query.z"]),
    ],
)
async def test_an_undeclared_parameter_is_a_422_naming_it(
    client: httpx.AsyncClient, params: dict[str, str], unknown: list[str]
) -> None:
    response = await client.get("/things/1", params=params, headers={"Accept-Language": "zh"})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == unknown
    assert {e["message"] for e in response.json()["errors"]} == {"不接受此字段"}
