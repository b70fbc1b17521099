"""`/` links the docs and health, and lists the dev stack's demo accounts only in development;
/healthz says `seeding` until the dev stack has seeded."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from linli.common.settings import Environment

ACCOUNTS = [{"username": "city.admin", "password": "linli-demo-2025", "what": "city_admin of 3301"}]


async def test_the_landing_page_links_docs_and_health_with_no_outside_asset(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    links = re.findall(r"href='([^']+)'", page.text)
    assert {"/docs", "/healthz", "/openapi.json"} <= set(links)
    assert "src=" not in page.text and "http://" not in page.text and "https://" not in page.text
    assert "/api/residents/" in page.text
    assert "Demo accounts" not in page.text  # no seed file configured


async def test_healthz_says_seeding_until_the_seed_file_exists_then_the_page_lists_accounts(
    gateway_factory: Callable[..., Any], make_settings: Callable[..., Any], tmp_path: Path
) -> None:
    seed_file = tmp_path / "demo-accounts.json"
    names = make_settings().upstream_urls
    every_service_up = dict.fromkeys(names, "http://residents.upstream")
    async with gateway_factory(upstreams=every_service_up, dev_seed_file=seed_file) as client:
        before = (await client.get("/healthz")).json()["status"]
        page_before = (await client.get("/")).text
        seed_file.write_text(json.dumps(ACCOUNTS))
        after = (await client.get("/healthz")).json()["status"]
        page_after = (await client.get("/")).text

    assert (before, after) == ("seeding", "ok")
    assert "Demo accounts" not in page_before
    assert "city.admin" in page_after and "linli-demo-2025" in page_after


def test_demo_accounts_are_refused_outside_development(
    make_settings: Callable[..., Any], tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="development only"):
        make_settings(environment=Environment.PRODUCTION, dev_seed_file=tmp_path / "x.json")
