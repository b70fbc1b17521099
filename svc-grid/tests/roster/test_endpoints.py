"""GET /roster/households: staff only, within scope (403 for a foreign filter, 404 for a foreign id), paginated."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable

import httpx

from linli.common.auth import Role
from linli.common.events import CloudEvent
from linli.testing.tokens import TestIssuer

ApprovedEventFactory = Callable[..., CloudEvent]
Seeder = Callable[..., Awaitable[None]]


async def test_the_list_defaults_to_the_callers_scope(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    seed: Seeder,
    approved_event: ApprovedEventFactory,
    street_code: str,
) -> None:
    mine, neighbour = f"{street_code}001", f"{street_code}002"
    await seed(
        approved_event(community_code=mine),
        approved_event(community_code=neighbour),
    )

    worker = issuer.headers(roles=[Role.GRID_WORKER], scope=mine)
    response = await client.get("/roster/households", headers=worker)

    assert response.status_code == 200
    assert [h["community_code"] for h in response.json()["items"]] == [mine]

    admin = issuer.headers(roles=[Role.STREET_ADMIN], scope=street_code)
    whole_street = await client.get("/roster/households", headers=admin)
    narrowed = await client.get("/roster/households", params={"division": neighbour}, headers=admin)

    assert {h["community_code"] for h in whole_street.json()["items"]} == {mine, neighbour}
    assert [h["community_code"] for h in narrowed.json()["items"]] == [neighbour]


async def test_a_filter_outside_the_callers_scope_is_forbidden(
    client: httpx.AsyncClient, issuer: TestIssuer, street_code: str
) -> None:
    worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=f"{street_code}001")

    for outside in (f"{street_code}002", street_code, "330108"):
        response = await client.get(
            "/roster/households", params={"division": outside}, headers=worker
        )
        assert response.status_code == 403, outside
        assert response.headers["content-type"] == "application/problem+json"


async def test_roles_and_tokens(
    client: httpx.AsyncClient, issuer: TestIssuer, street_code: str
) -> None:
    resident = issuer.headers(roles=[Role.RESIDENT], scope=f"{street_code}001")
    assert (await client.get("/roster/households", headers=resident)).status_code == 403
    assert (await client.get("/roster/households")).status_code == 401

    admin = issuer.headers(roles=[Role.DISTRICT_ADMIN], scope="330108")
    malformed = await client.get("/roster/households", params={"division": "33010"}, headers=admin)
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "query.division"


async def test_pages_follow_the_cursor_until_the_last(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    seed: Seeder,
    approved_event: ApprovedEventFactory,
    community_code: str,
) -> None:
    addresses = [f"{building}-1-101" for building in range(1, 6)]
    await seed(*(approved_event(community_code=community_code, address=a) for a in addresses))
    worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=community_code)

    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/roster/households", params=params, headers=worker)
        assert response.status_code == 200
        page = response.json()
        pages += 1
        seen.extend(h["address"] for h in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == sorted(addresses)

    bad = await client.get("/roster/households", params={"cursor": "not-ours"}, headers=worker)
    assert bad.status_code == 422
    assert bad.json()["type"].endswith("/invalid-cursor")


async def test_a_cursor_nested_deep_or_of_the_wrong_types_is_invalid_cursor(
    client: httpx.AsyncClient, issuer: TestIssuer, community_code: str
) -> None:
    worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=community_code)
    for raw in (b"[" * 20_000 + b"]" * 20_000, b"[1, 2, 3]", b'["330108001001", "a", "b", "c"]'):
        cursor = base64.urlsafe_b64encode(raw).decode()
        response = await client.get("/roster/households", params={"cursor": cursor}, headers=worker)

        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("/invalid-cursor")


async def test_the_old_filter_name_and_any_unknown_parameter_are_refused_by_name(
    client: httpx.AsyncClient, issuer: TestIssuer, street_code: str
) -> None:
    admin = issuer.headers(roles=[Role.STREET_ADMIN], scope=street_code)
    response = await client.get(
        "/roster/households",
        params={"community_code": f"{street_code}001", "limt": "2"},
        headers=admin,
    )

    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["query.community_code", "query.limt"]


async def test_a_household_outside_the_scope_is_not_found(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    seed: Seeder,
    approved_event: ApprovedEventFactory,
    street_code: str,
) -> None:
    community = f"{street_code}001"
    household_id = uuid.uuid4()
    await seed(
        approved_event(community_code=community, household_id=household_id, name_masked="李*"),
        approved_event(community_code=community, household_id=household_id, name_masked="王*五"),
    )
    path = f"/roster/households/{household_id}"

    own = await client.get(path, headers=issuer.headers(roles=[Role.GRID_WORKER], scope=community))
    assert own.status_code == 200
    body = own.json()
    assert body["members"] == 2
    assert sorted(r["name_masked"] for r in body["residents"]) == ["李*", "王*五"]

    other = issuer.headers(roles=[Role.GRID_WORKER], scope=f"{street_code}002")
    assert (await client.get(path, headers=other)).status_code == 404
    unknown = await client.get(
        f"/roster/households/{uuid.uuid4()}",
        headers=issuer.headers(roles=[Role.GRID_WORKER], scope=community),
    )
    assert unknown.status_code == 404
    resident = issuer.headers(roles=[Role.RESIDENT], scope=community)
    assert (await client.get(path, headers=resident)).status_code == 403
