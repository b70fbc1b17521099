"""An existing Open311 client library (georeport, from PyPI) through the gateway, both on real
sockets: it lists services, reads a definition and reads back a posted request, in JSON and in
XML. georeport does not post (its README says so): the post is a plain form, as a client sends
it, through the gateway too."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from georeport import GeoReport  # type: ignore[import-untyped]

from linli.common.settings import Environment
from linli.gateway.app import create_app as create_gateway
from linli.gateway.config import GatewaySettings
from linli.grid.app import create_app
from linli.grid.config import Settings
from linli.infra.databases import create_database, migrate
from linli.testing.tokens import TestIssuer

App = Any


@contextlib.asynccontextmanager
async def listening(app: Any) -> AsyncIterator[str]:
    """The app served by uvicorn on a free local port, on this test's loop."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():  # it failed to start: its exception says why
                    await task
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def endpoint(
    settings: Settings, issuer: TestIssuer, pg_server_url: str, tmp_path: Path
) -> AsyncIterator[str]:
    """The public Open311 root: the gateway's /open311/v2, forwarding over HTTP to svc-grid."""
    database = await asyncio.to_thread(
        create_database, pg_server_url, f"grid_open311_gateway_{uuid.uuid4().hex[:8]}"
    )
    await asyncio.to_thread(migrate, "gateway", database)
    async with listening(create_app(settings, token_verifier=issuer.verifier())) as grid:
        gateway = create_gateway(
            GatewaySettings(
                database_url=database,
                environment=Environment.TEST,
                gateway_signing_key_file=tmp_path / "signing-key.pem",
                upstreams={"grid": grid},
            )
        )
        async with listening(gateway) as base:
            yield f"{base}/open311/v2"


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_georeport_lists_services_and_reads_back_a_posted_request(
    app311: App, endpoint: str, fmt: str
) -> None:
    library = GeoReport(endpoint, output_format=fmt)
    services = await asyncio.to_thread(library.get_service_list)
    codes = [s["service_code"] for s in services]
    assert app311.category in codes
    definition = await asyncio.to_thread(library.get_service_definition, app311.category)
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["title", "place_detail", "danger"]

    async with httpx.AsyncClient() as client:
        posted = await client.post(
            f"{endpoint}/requests.json",
            data={
                "api_key": app311.api_key,
                "service_code": app311.category,
                "address_id": str(app311.place.building_id),
                "description": "井盖缺失",
                "attribute[danger]": "yes",
            },
        )
    assert posted.status_code == 200, posted.text
    request_id = posted.json()[0]["service_request_id"]

    read = await asyncio.to_thread(library.get_service_request, request_id)
    assert read["service_request_id"] == request_id
    assert (read["status"], read["service_code"]) == ("open", app311.category)
    listed = await asyncio.to_thread(library.get_service_requests, service_request_id=request_id)
    # xmltodict gives one <request> as a mapping, several as a list.
    rows = listed if isinstance(listed, list) else [listed]
    assert [r["service_request_id"] for r in rows] == [request_id]
    by_code = await asyncio.to_thread(
        library.get_service_requests, service_code=app311.category, status="open"
    )
    rows = by_code if isinstance(by_code, list) else [by_code]
    assert request_id in [r["service_request_id"] for r in rows]
