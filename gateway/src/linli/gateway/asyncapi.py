"""`/asyncapi.json` and `/asyncapi`: the event catalogue (AsyncAPI 3) that `linli asyncapi`
generates from the services' event classes and commits beside this module; a page to read it,
plain HTML, nothing loaded from outside."""

from __future__ import annotations

import functools
import json
from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from linli.gateway.landing import STYLE

router = APIRouter(include_in_schema=False)
DOCUMENT = Path(__file__).with_name("asyncapi.json")


@functools.cache
def _document_bytes() -> bytes:
    return DOCUMENT.read_bytes()


@router.get("/asyncapi.json")
async def asyncapi_document() -> Response:
    return Response(_document_bytes(), media_type="application/json")


def _page(document: dict[str, Any]) -> str:
    messages = document["components"]["messages"]
    schemas = document["components"]["schemas"]
    toc: list[str] = []
    sections: list[str] = []
    for channel_id, channel in document["channels"].items():
        for message_id in channel["messages"]:
            message = messages[message_id]
            anchor = escape(message_id)
            data_ref = message["payload"]["properties"]["data"]["$ref"].rsplit("/", 1)[-1]
            example = message["examples"][0]["payload"]
            toc.append(
                f"<tr><td><a href='#{anchor}'><code>{escape(message['name'])}</code></a></td>"
                f"<td>{escape(message['x-linli-service'])}</td>"
                f"<td>{escape(message['summary'])}</td></tr>"
            )
            sections.append(
                f"<h3 id='{anchor}'><code>{escape(message['name'])}</code></h3>"
                f"<p>{escape(message['summary'])}</p>"
                f"<p>subject: <code>{escape(channel['address'])}</code>, e.g. "
                f"<code>{escape(message['examples'][0]['summary'].removeprefix('on '))}</code></p>"
                "<details><summary>data schema</summary><pre>"
                f"{escape(json.dumps(schemas[data_ref], indent=2, ensure_ascii=False))}</pre>"
                "</details><details><summary>example CloudEvent</summary><pre>"
                f"{escape(json.dumps(example, indent=2, ensure_ascii=False))}</pre></details>"
            )
            del channel_id
    info = document["info"]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(info['title'])}</title><style>{STYLE}"
        "pre { background: #f5f6f8; padding: .6rem; overflow-x: auto; font-size: .85em; }"
        "</style></head><body>"
        f"<h1>{escape(info['title'])}</h1>"
        f"<p class='sub'>AsyncAPI {escape(document['asyncapi'])}: "
        "<a href='/asyncapi.json'>/asyncapi.json</a></p>"
        f"<p>{escape(info['description'])}</p>"
        f"<h2>{len(toc)} event types</h2>"
        "<table><tr><th>type</th><th>service</th><th>what happened</th></tr>"
        + "".join(toc)
        + "</table><h2>Events</h2>"
        + "".join(sections)
        + "</body></html>"
    )


@functools.cache
def _page_html() -> str:
    return _page(json.loads(_document_bytes()))


@router.get("/asyncapi", response_class=HTMLResponse)
async def asyncapi_page() -> HTMLResponse:
    return HTMLResponse(_page_html())
