"""Unknown query parameters: refused on the gateway's own routes, forwarded to the services."""

from __future__ import annotations

import httpx


async def test_the_gateways_own_routes_refuse_an_unknown_query_parameter(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.get("/.well-known/jwks.json", params={"kid": "x"})
    plain = await client.get("/.well-known/jwks.json")

    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["query.kid"]
    assert plain.status_code == 200


async def test_the_proxy_forwards_any_query_for_the_service_to_judge(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/residents/echo/households", params={"anything": "1"})

    assert response.status_code == 200
    assert response.json()["query"] == "anything=1"
    assert (await client.get("/docs")).status_code == 200
