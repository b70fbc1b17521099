"""`/`: a page for whoever opens the gateway in a browser: where the docs and health are, and in
development the demo accounts `linli dev up` seeded. Plain HTML, nothing loaded from outside."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from linli.gateway.config import GatewaySettings

router = APIRouter(include_in_schema=False)

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       color: #1d232a; }
h1 { font-size: 1.6rem; margin-bottom: 0; } p.sub { color: #5b6570; margin-top: .2rem; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .3rem .6rem;
       border-bottom: 1px solid #e3e6ea; vertical-align: top; } code { font-size: .9em; }
"""


def demo_accounts(settings: GatewaySettings) -> list[dict[str, str]] | None:
    """The accounts the dev stack seeded; None outside development or before the seed ended."""
    path: Path | None = settings.dev_seed_file
    if not settings.is_development or path is None or not path.exists():
        return None
    try:
        rows: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rows, list):
        return None
    return [{k: str(v) for k, v in row.items()} for row in rows if isinstance(row, dict)]


def _rows(cells: Sequence[Sequence[str]]) -> str:
    return "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>\n" for row in cells
    )


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> HTMLResponse:
    settings: GatewaySettings = request.app.state.settings
    links = [
        ("<a href='/docs'>/docs</a>", "Swagger UI: every service's API, try it with Authorize"),
        ("<a href='/redoc'>/redoc</a>", "the same document to read"),
        ("<a href='/openapi.json'>/openapi.json</a>", "the merged OpenAPI document"),
        (
            "<a href='/asyncapi'>/asyncapi</a>",
            "every event type on NATS (AsyncAPI 3: /asyncapi.json)",
        ),
        ("<a href='/healthz'>/healthz</a>", "the gateway and each service (`ok` when all ready)"),
        ("<a href='/.well-known/jwks.json'>/.well-known/jwks.json</a>", "token signing keys"),
    ]
    services = [
        (f"<code>/api/{escape(name)}/…</code>", "")
        for name in sorted(request.app.state.upstream_urls)
    ]
    body = [
        "<h1>Linli 邻里</h1>",
        "<p class='sub'>The public entry of the platform: log in under <code>/auth/…</code>, "
        "call the services under <code>/api/&lt;service&gt;/…</code>.</p>",
        "<h2>Start here</h2><table>",
        _rows(links),
        "</table><h2>Services</h2><table>",
        _rows(services),
        "</table>",
    ]
    accounts = demo_accounts(settings)
    if accounts is not None:
        body += [
            "<h2>Demo accounts (development only)</h2>",
            "<p>Log in with <code>POST /auth/staff/login</code>; send the <code>access_token"
            "</code> as <code>Authorization: Bearer …</code> (in /docs: Authorize).</p>",
            "<table><tr><th>username</th><th>password</th><th>role and scope</th></tr>",
            _rows(
                [
                    (
                        f"<code>{escape(a.get('username', ''))}</code>",
                        f"<code>{escape(a.get('password', ''))}</code>",
                        escape(a.get("what", "")),
                    )
                    for a in accounts
                ]
            ),
            "</table>",
        ]
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Linli gateway</title><style>{STYLE}</style></head><body>"
        + "".join(body)
        + "</body></html>"
    )
    return HTMLResponse(html)
