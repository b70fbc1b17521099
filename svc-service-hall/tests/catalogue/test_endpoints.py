"""The catalogue: owners publish versioned items; residents read only what their community is
offered; bad input and the wrong role change nothing."""

from __future__ import annotations

from typing import Any

import httpx

from linli.common.auth import Role
from linli.testing import OutboxReader

Maker = Any


async def test_publish_revise_and_read_by_community(
    client: httpx.AsyncClient,
    auth: Maker,
    make_item: Maker,
    make_resident: Maker,
    street_code: str,
    community_code: str,
    outbox: OutboxReader,
) -> None:
    here = await make_item(name="老年优待证", divisions=[community_code], fee_fen=0)
    elsewhere = await make_item(name="独生子女证", divisions=[street_code[:9] + "002"])
    assert (here["version"], here["owning_level"], here["owning_division"]) == (
        1,
        "street",
        street_code,
    )

    resident = await make_resident(community_code=community_code)
    listed = await client.get("/catalogue/items", headers=resident.headers)
    assert listed.status_code == 200, listed.text
    ids = [item["id"] for item in listed.json()["items"]]
    assert here["id"] in ids and elsewhere["id"] not in ids
    # Named by id, another community's item does not exist for this resident.
    assert (
        await client.get(f"/catalogue/items/{elsewhere['id']}", headers=resident.headers)
    ).status_code == 404

    admin = auth(Role.STREET_ADMIN, scope=street_code)
    rules = {k: here[k] for k in ("name", "divisions", "materials", "channels", "fee_fen")}
    revised = await client.post(
        f"/catalogue/items/{here['id']}/versions",
        json={**rules, "promised_working_days": 3},
        headers=admin,
    )
    assert revised.status_code == 201, revised.text
    assert (revised.json()["version"], revised.json()["promised_working_days"]) == (2, 3)
    old = await client.get(f"/catalogue/items/{here['id']}?version=1", headers=resident.headers)
    assert old.json()["promised_working_days"] == here["promised_working_days"]
    history = await client.get(f"/catalogue/items/{here['id']}/versions", headers=admin)
    assert [v["version"] for v in history.json()] == [1, 2]
    published = [e for e in await outbox.data("item.published") if e["item_id"] == here["id"]]
    assert [e["version"] for e in published] == [1, 2]


async def test_refusals_change_nothing(
    client: httpx.AsyncClient,
    auth: Maker,
    make_resident: Maker,
    street_code: str,
    community_code: str,
) -> None:
    body = {
        "code": "test.refused",
        "name": "户籍迁入",
        "owning_division": street_code,
        "divisions": [street_code],
        "materials": [],
        "channels": ["online"],
        "promised_working_days": 5,
    }
    resident = await make_resident(community_code=community_code)
    assert (
        await client.post("/catalogue/items", json=body, headers=resident.headers)
    ).status_code == 403
    other_street = auth(Role.STREET_ADMIN, scope="330108999")
    assert (
        await client.post("/catalogue/items", json=body, headers=other_street)
    ).status_code == 403
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    for bad in (
        {"divisions": ["330109001001"]},  # outside the owner
        {"promised_working_days": 0},
        {"fee_fen": -1},
        {"fee_fen": 1.5},
        {"channels": ["fax"]},
        {"name": "x" * 65},
        {"materials": [{"code": "id", "name": "身份证", "types": ["application/x-msdownload"]}]},
        {"materials": [{"code": "id", "name": "a", "types": ["image/png"]}] * 2},
    ):
        answer = await client.post("/catalogue/items", json={**body, **bad}, headers=admin)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    listed = await client.get("/catalogue/items", headers=admin)
    assert all(item["code"] != "test.refused" for item in listed.json()["items"])
