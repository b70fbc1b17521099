"""Every service's /docs and /redoc load their assets from the service itself, and its OpenAPI
declares the bearer scheme (Swagger UI's Authorize button)."""

from __future__ import annotations

import re

import httpx
from fastapi import APIRouter

from linli.common.app import create_service_app
from linli.common.auth import CurrentPrincipal
from linli.common.settings import Environment, ServiceSettings

router = APIRouter()


@router.get("/things")
async def list_things(principal: CurrentPrincipal) -> dict[str, str]:
    return {"subject": principal.subject}


def _client() -> httpx.AsyncClient:
    app = create_service_app(
        ServiceSettings(environment=Environment.TEST),
        title="Things",
        description="test",
        version="1",
        routers=[router],
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test")


def _asset_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(
        r"""url: ?['"]([^'"]+)['"]""", html
    )


async def test_docs_reference_only_assets_the_service_serves() -> None:
    async with _client() as client:
        for page in ("/docs", "/redoc"):
            html = (await client.get(page)).text
            urls = _asset_urls(html)
            assert urls, page
            assert "http" not in html.replace("http-equiv", "").replace("://svc.test", ""), page
            for url in urls:
                assert url.startswith("/"), (page, url)
                served = await client.get(url)
                assert served.status_code == 200, (page, url)
                assert served.content, (page, url)


async def test_docs_behind_the_gateway_prefix_point_under_it() -> None:
    async with _client() as client:
        html = (await client.get("/docs", headers={"X-Forwarded-Prefix": "/api/things"})).text

    urls = _asset_urls(html)
    assert urls and all(url.startswith("/api/things/") for url in urls), urls


async def test_openapi_declares_the_bearer_scheme_and_a_missing_token_is_a_401_problem() -> None:
    async with _client() as client:
        document = (await client.get("/openapi.json")).json()
        missing = await client.get("/things")
        basic = await client.get("/things", headers={"Authorization": "Basic eDp5"})

    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert document["paths"]["/things"]["get"]["security"] == [{"HTTPBearer": []}]
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert basic.status_code == 401
