"""The gateway serves the committed event catalogue and a page to read it, without outside assets."""

from __future__ import annotations

import json

import httpx

from linli.gateway.asyncapi import DOCUMENT


async def test_the_catalogue_is_served_as_committed(client: httpx.AsyncClient) -> None:
    answer = await client.get("/asyncapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.content == DOCUMENT.read_bytes()
    assert answer.json()["asyncapi"] == "3.0.0"


async def test_the_page_lists_every_event_type_with_no_outside_asset(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/asyncapi")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    document = json.loads(DOCUMENT.read_bytes())
    names = [m["name"] for m in document["components"]["messages"].values()]
    assert names and all(f"<code>{name}</code>" in page.text for name in names)
    assert "src=" not in page.text and "https://" not in page.text
    assert "href='/asyncapi'" in (await client.get("/")).text
