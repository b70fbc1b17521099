"""Places over HTTP: CRUD of grids and the housing tree, the scope rule for each role, events."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.residents.events import residents_event_adapter
from linli.residents.models import Building, Dwelling, Grid, Household
from linli.testing import OutboxReader, short_type
from linli.testing.tokens import TestIssuer

pytestmark = pytest.mark.usefixtures("tree")

COMMUNITY = "330108001001"
OTHER_COMMUNITY = "330108002001"  # street 2


def worker(issuer: TestIssuer, scope: str = COMMUNITY) -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=scope, subject=f"worker-{scope}")


async def post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_tree(
    client: httpx.AsyncClient, issuer: TestIssuer, *, community: str = COMMUNITY
) -> dict[str, dict[str, Any]]:
    """A grid, a court, a building in both, a unit and a dwelling in `community`."""
    headers = worker(issuer, community)
    grid = await post(
        client, "/grids", {"community_code": community, "number": 1, "name": "第一网格"}, headers
    )
    court = await post(client, "/courts", {"community_code": community, "name": "星耀城"}, headers)
    building = await post(
        client,
        "/buildings",
        {
            "community_code": community,
            "name": "3幢",
            "court_id": court["id"],
            "grid_id": grid["id"],
        },
        headers,
    )
    unit = await post(client, f"/buildings/{building['id']}/units", {"name": "2单元"}, headers)
    dwelling = await post(client, f"/units/{unit['id']}/dwellings", {"name": "501"}, headers)
    return {"grid": grid, "court": court, "building": building, "unit": unit, "dwelling": dwelling}


async def test_a_worker_builds_the_housing_tree_and_each_step_is_published(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    places = await create_tree(client, issuer)

    assert places["grid"]["code"] == "330108001001-01"
    assert places["building"]["grid_id"] == places["grid"]["id"]
    assert places["dwelling"]["address"] == "3幢-2单元-501"
    assert places["dwelling"]["building_id"] == places["building"]["id"]
    events = await outbox.messages()
    assert [e.subject.rsplit(".", 2)[-2:] for e in events] == [
        ["grid", "created"],
        ["court", "created"],
        ["building", "created"],
        ["unit", "created"],
        ["dwelling", "created"],
    ]
    assert all(e.subject.startswith("linli.3301.330108.330108001.330108001001.") for e in events)
    parsed = [residents_event_adapter.validate_python(e.payload["data"]) for e in events]
    assert type(parsed[-1]).__name__ == "DwellingCreated"


async def test_names_are_unique_per_parent_and_bad_input_is_422(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    places = await create_tree(client, issuer)
    headers = worker(issuer)

    same_number = await client.post(
        "/grids", json={"community_code": COMMUNITY, "number": 1, "name": "另一个"}, headers=headers
    )
    same_room = await client.post(
        f"/units/{places['unit']['id']}/dwellings", json={"name": "501"}, headers=headers
    )
    phone_as_name = await client.post(
        "/buildings", json={"community_code": COMMUNITY, "name": "13812345678"}, headers=headers
    )
    unknown = await client.post(
        "/courts",
        json={"community_code": "330108001099", "name": "x"},
        headers=issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001"),
    )

    assert same_number.status_code == same_room.status_code == 409
    assert same_room.json()["type"].endswith("/place-name-taken")
    assert phone_as_name.status_code == 422
    assert [e["field"] for e in phone_as_name.json()["errors"]] == ["body.name"]
    assert unknown.status_code == 422


async def test_renaming_onto_a_taken_name_or_number_is_409_and_changes_nothing(
    client: httpx.AsyncClient, issuer: TestIssuer, outbox: OutboxReader
) -> None:
    places = await create_tree(client, issuer)
    headers = worker(issuer)
    grid = await post(
        client, "/grids", {"community_code": COMMUNITY, "number": 2, "name": "第二网格"}, headers
    )
    court = await post(client, "/courts", {"community_code": COMMUNITY, "name": "星河湾"}, headers)
    building = await post(
        client, "/buildings", {"community_code": COMMUNITY, "name": "5幢"}, headers
    )
    unit = await post(client, f"/buildings/{building['id']}/units", {"name": "1单元"}, headers)
    dwelling = await post(
        client, f"/units/{places['unit']['id']}/dwellings", {"name": "502"}, headers
    )
    before = len(await outbox.messages())

    renames = {
        f"/grids/{grid['id']}": {"number": 1},
        f"/courts/{court['id']}": {"name": "星耀城"},
        f"/buildings/{building['id']}": {"name": "3幢", "grid_id": grid["id"]},
        f"/units/{unit['id']}": {"name": "1单元"},  # its own name: no change at all
        f"/dwellings/{dwelling['id']}": {"name": "501"},
    }
    answers = {
        path: await client.patch(path, json=body, headers=headers) for path, body in renames.items()
    }

    for path, answer in answers.items():
        if path.startswith("/units"):
            assert answer.status_code == 200, answer.text
            continue
        assert answer.status_code == 409, (path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"].endswith("/place-name-taken")
    # Nothing changed and nothing was published; the refused request left the session usable
    # for the next one.
    assert (await client.get(f"/grids/{grid['id']}", headers=headers)).json()["number"] == 2
    moved = (await client.get(f"/buildings/{building['id']}", headers=headers)).json()
    assert (moved["name"], moved["grid_id"]) == ("5幢", None)
    assert len(await outbox.messages()) == before
    renamed = await client.patch(
        f"/courts/{court['id']}", json={"name": "星河湾二期"}, headers=headers
    )
    assert renamed.status_code == 200, renamed.text


async def test_a_building_may_only_join_a_court_or_grid_of_its_own_community(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    elsewhere = await create_tree(client, issuer, community=OTHER_COMMUNITY)

    response = await client.post(
        "/buildings",
        json={"community_code": COMMUNITY, "name": "9幢", "grid_id": elsewhere["grid"]["id"]},
        headers=worker(issuer),
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.grid_id"]


@pytest.mark.parametrize("kind", ["grids", "courts", "buildings", "units", "dwellings"])
async def test_the_scope_rule_for_each_role_on_each_kind_of_place(
    client: httpx.AsyncClient, issuer: TestIssuer, kind: str
) -> None:
    places = await create_tree(client, issuer)
    place_id = places[kind.removesuffix("s")]["id"]
    path = f"/{kind}/{place_id}"
    headers = {
        "community worker": worker(issuer),
        "street admin": issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001"),
        "grid worker of its grid": issuer.headers(
            roles=[Role.GRID_WORKER], scope=COMMUNITY, grid_ids=["330108001001-01"]
        ),
        "grid worker of another grid": issuer.headers(
            roles=[Role.GRID_WORKER], scope=COMMUNITY, grid_ids=["330108001001-02"]
        ),
        "other street's admin": issuer.headers(roles=[Role.STREET_ADMIN], scope="330108002"),
        "resident": issuer.headers(roles=[Role.RESIDENT]),
    }

    reads = {who: (await client.get(path, headers=h)).status_code for who, h in headers.items()}
    renames = {
        who: (await client.patch(path, json={"name": "新名"}, headers=h)).status_code
        for who, h in headers.items()
        if who != "community worker"
    }

    assert reads == {
        "community worker": 200,
        "street admin": 200,
        "grid worker of its grid": 200,
        "grid worker of another grid": 404,
        "other street's admin": 404,
        "resident": 403,
    }
    assert renames == {
        "street admin": 200,
        "grid worker of its grid": 403,
        "grid worker of another grid": 403,
        "other street's admin": 404,
        "resident": 403,
    }


async def test_creating_in_or_listing_another_scope_is_403(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    headers = worker(issuer)

    create = await client.post(
        "/grids",
        json={"community_code": OTHER_COMMUNITY, "number": 1, "name": "x"},
        headers=headers,
    )
    listing = await client.get("/buildings", params={"division": "330108002"}, headers=headers)

    assert create.status_code == listing.status_code == 403


async def test_lists_page_through_the_scope_and_a_grid_worker_sees_only_their_grids(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    places = await create_tree(client, issuer)
    headers = worker(issuer)
    for name in ("1幢", "2幢", "4幢"):
        await post(client, "/buildings", {"community_code": COMMUNITY, "name": name}, headers)
    street_admin = issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001")

    first = await client.get("/buildings", params={"limit": 3}, headers=street_admin)
    second = await client.get(
        "/buildings",
        params={"limit": 3, "cursor": first.json()["next_cursor"]},
        headers=street_admin,
    )
    grid_worker = issuer.headers(
        roles=[Role.GRID_WORKER], scope=COMMUNITY, grid_ids=[places["grid"]["id"]]
    )
    theirs = await client.get("/buildings", headers=grid_worker)
    courts = await client.get("/courts", headers=grid_worker)

    seen = [b["name"] for b in first.json()["items"] + second.json()["items"]]
    assert sorted(seen) == ["1幢", "2幢", "3幢", "4幢"]
    assert second.json()["next_cursor"] is None
    assert [b["name"] for b in theirs.json()["items"]] == ["3幢"]
    assert [c["name"] for c in courts.json()["items"]] == ["星耀城"]


async def test_a_place_in_use_cannot_be_deleted_an_empty_one_can(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    places = await create_tree(client, issuer)
    headers = worker(issuer)

    unit_in_use = await client.delete(f"/units/{places['unit']['id']}", headers=headers)
    grid_in_use = await client.delete(f"/grids/{places['grid']['id']}", headers=headers)
    dwelling = await client.delete(f"/dwellings/{places['dwelling']['id']}", headers=headers)
    unit = await client.delete(f"/units/{places['unit']['id']}", headers=headers)

    assert unit_in_use.status_code == grid_in_use.status_code == 409
    assert unit_in_use.json()["type"].endswith("/place-in-use")
    assert dwelling.status_code == unit.status_code == 204
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Dwelling)) == 0
    assert [e.subject.rsplit(".", 2)[-2:] for e in (await outbox.messages())[-2:]] == [
        ["dwelling", "deleted"],
        ["unit", "deleted"],
    ]


async def test_a_building_s_new_grid_carries_the_households_that_followed_it(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    places = await create_tree(client, issuer)
    headers = worker(issuer)
    household = await post(
        client, "/households", {"dwelling_id": places["dwelling"]["id"]}, headers
    )
    second_dwelling = await post(
        client, f"/units/{places['unit']['id']}/dwellings", {"name": "502"}, headers
    )
    second = await post(client, "/households", {"dwelling_id": second_dwelling["id"]}, headers)
    grid2 = await post(
        client, "/grids", {"community_code": COMMUNITY, "number": 2, "name": "第二网格"}, headers
    )
    grid3 = await post(
        client, "/grids", {"community_code": COMMUNITY, "number": 3, "name": "第三网格"}, headers
    )
    # A household given a grid of its own keeps it, and publishes nothing for the building's.
    own = await client.patch(
        f"/households/{second['id']}", json={"grid_id": grid3["id"]}, headers=headers
    )
    assert own.status_code == 200, own.text
    before = len(await outbox.messages())

    moved = await client.patch(
        f"/buildings/{places['building']['id']}", json={"grid_id": grid2["id"]}, headers=headers
    )

    assert household["grid_id"] == places["grid"]["id"]
    assert moved.status_code == 200 and moved.json()["grid_id"] == grid2["id"]
    async with sessionmaker() as session:
        stored = await session.get(Household, household["id"])
        building = await session.get(Building, places["building"]["id"])
        assert stored is not None and str(stored.grid_id) == grid2["id"]
        assert building is not None and str(building.grid_id) == grid2["id"]
        assert await session.scalar(select(func.count()).select_from(Grid)) == 3
    # What a household's own grid change publishes, for the household that followed.
    published = (await outbox.messages())[before:]
    assert sorted(short_type(row.type) for row in published) == [
        "building.updated",
        "household.updated",
    ]
    updated = [
        row.payload["data"] for row in published if row.type.endswith("household.updated.v1")
    ]
    assert updated == [
        {
            "type": "cn.linli.residents.household.updated.v1",
            "community_code": COMMUNITY,
            "household_id": household["id"],
            "grid_id": grid2["id"],
            "changed": ["grid_id"],
        }
    ]
    async with sessionmaker() as session:
        kept = await session.get(Household, second["id"])
        assert kept is not None and str(kept.grid_id) == grid3["id"]


async def test_a_retried_create_with_the_same_key_creates_one_place(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    headers = worker(issuer) | {"Idempotency-Key": "grid-1"}
    body = {"community_code": COMMUNITY, "number": 7, "name": "第七网格"}

    first = await client.post("/grids", json=body, headers=headers)
    again = await client.post("/grids", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await outbox.messages()) == 1
