"""`GET /stats/members`: a resident's place in the pool by their login subjects, for staff of
their scope, without phone or address; refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

Headers = dict[str, str]
Factory = Callable[..., Any]


async def test_members_of_subjects_with_open_tasks_within_the_scope(
    client: httpx.AsyncClient,
    enrol: Factory,
    post_order: Factory,
    resident: Callable[..., Headers],
    coordinator: Headers,
    staff: Callable[[str], Headers],
) -> None:
    member = await enrol("王丽", account_subject="res-wang")
    await enrol("李明", account_subject="res-li")
    order = await post_order(quantity=200, batch_size=100, piece_rate_fen=40)
    claimed = await client.post(
        f"/work-orders/{order['id']}/claims", json={}, headers=resident("res-wang")
    )
    assert claimed.status_code == 201, claimed.text

    answer = await client.get(
        "/stats/members", params={"subject": ["res-wang", "nobody"]}, headers=coordinator
    )
    assert answer.status_code == 200, answer.text
    [facts] = answer.json()["members"]
    assert (facts["id"], facts["tasks_open"], facts["income_in_month_fen"]) == (
        member["id"],
        1,
        0,
    )
    assert "phone" not in str(facts) and "address" not in facts
    elsewhere = await client.get(
        "/stats/members", params={"subject": "res-wang"}, headers=staff("330108002001")
    )
    assert (elsewhere.status_code, elsewhere.json()["members"]) == (200, [])
    refused = await client.get(
        "/stats/members", params={"subject": "res-wang"}, headers=resident("res-wang")
    )
    assert refused.status_code == 403
    for params in ({}, {"subject": [f"s{n}" for n in range(11)]}, {"subject": "a\x00"}):
        bad = await client.get("/stats/members", params=params, headers=coordinator)
        assert bad.status_code == 422, params
