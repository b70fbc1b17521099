"""Statistics per division from live data: the same figures for the community, its street,
district and city; income per worker per month from accepted work; and no event of the whole
flow carries a clear phone or a member's full name."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from linli.jobs_coop.events import coop_event_adapter
from linli.testing import OutboxReader

Json = dict[str, Any]
Headers = dict[str, str]
Factory = Callable[..., Any]
PHONE = re.compile(r"1[3-9][0-9]{9}")


async def test_statistics_of_every_level_count_live_rows(
    client: httpx.AsyncClient,
    enrol: Factory,
    post_order: Factory,
    resident: Callable[..., Headers],
    coordinator: Headers,
    staff: Callable[[str], Headers],
    outbox: OutboxReader,
) -> None:
    for n in range(4):
        await enrol(f"居民{n}", account_subject=f"res-{n}")
    order = await post_order(quantity=400, batch_size=100, piece_rate_fen=40)
    for n in range(3):
        me = resident(f"res-{n}")
        task = (await client.post(f"/work-orders/{order['id']}/claims", json={}, headers=me)).json()
        if n < 2:
            delivery = (
                await client.post(
                    f"/tasks/{task['id']}/deliveries", json={"quantity": 100}, headers=me
                )
            ).json()
            inspected = await client.post(
                f"/deliveries/{delivery['id']}/inspection",
                json={"accepted": 90 + n, "rejected": 10 - n, "reasons": ["断线"]},
                headers=coordinator,
            )
            assert inspected.status_code == 201

    figures = []
    for division, headers in (
        ("330108001001", coordinator),
        ("330108001", staff("330108001")),
        ("330108", staff("330108001")),
    ):
        answer = await client.get("/stats", params={"division": division}, headers=headers)
        if division == "330108":
            assert answer.status_code == 403
            continue
        assert answer.status_code == 200, answer.text
        figures.append({k: v for k, v in answer.json().items() if k != "division"})
    community, street = figures
    assert community == street
    assert community["members_in_pool"] == 4
    assert community["members_in_work"] == 3
    assert community["orders_open"] == 1
    assert community["pieces_accepted_in_month"] == 181
    assert community["earners_in_month"] == 2
    assert community["income_in_month_fen"] == 181 * 40
    assert community["income_per_earner_fen"] == 181 * 40 // 2
    elsewhere = await client.get(
        "/stats", params={"division": "330108002001"}, headers=staff("330108002001")
    )
    assert elsewhere.json()["members_in_pool"] == 0
    assert (await client.get("/stats", headers=resident("res-0"))).status_code == 403

    # Every event parses as one of the catalogue's, and none carries a phone or a full name.
    for event in await outbox.events():
        coop_event_adapter.validate_python(event.data)
        raw = event.model_dump_json()
        assert not PHONE.search(raw.replace(str(event.id), "")), raw
        assert "居民" not in raw


async def test_children_of_a_street_equal_each_communitys_own_answer(
    client: httpx.AsyncClient,
    enrol: Factory,
    post_order: Factory,
    resident: Callable[..., Headers],
    staff: Callable[[str], Headers],
) -> None:
    first, second = "330108001001", "330108001002"
    for n in range(2):
        await enrol(f"居民{n}", account_subject=f"res-{n}")
    await enrol("居民九", community_code=second, headers=staff(second))
    order = await post_order(quantity=200, batch_size=100)
    claimed = await client.post(
        f"/work-orders/{order['id']}/claims", json={}, headers=resident("res-0")
    )
    assert claimed.status_code == 201, claimed.text
    street_admin = staff("330108001")

    async def of(division: str, **params: str) -> Json:
        answer = await client.get(
            "/stats", params={"division": division, **params}, headers=street_admin
        )
        assert answer.status_code == 200, answer.text
        body: Json = answer.json()
        return body

    street = await of("330108001", children="true")
    assert street["children"] == [await of(first), await of(second)]
    assert [(c["members_in_pool"], c["members_in_work"]) for c in street["children"]] == [
        (2, 1),
        (1, 0),
    ]
    assert {k: v for k, v in street.items() if k != "children"} == await of("330108001")
    assert (await of(first, children="true"))["children"] == []

    outside = await client.get(
        "/stats", params={"division": "330108", "children": "true"}, headers=street_admin
    )
    assert outside.status_code == 403
    bad = await client.get(
        "/stats", params={"division": "3301080", "children": "true"}, headers=street_admin
    )
    assert bad.status_code == 422


async def test_the_openapi_documents_the_children_flag_and_field(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    parameters = spec["paths"]["/stats"]["get"]["parameters"]
    assert "children" in {p["name"] for p in parameters}
    assert "children" in spec["components"]["schemas"]["CoopStats"]["properties"]
