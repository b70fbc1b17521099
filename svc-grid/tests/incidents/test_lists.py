"""Lists of incidents by reach and level, and the overdue and escalated figures per division."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.grid.models import Incident

Sessions = async_sessionmaker[AsyncSession]
Cast = Any
Auth = Any


async def ids(client: httpx.AsyncClient, who: dict[str, str], **params: Any) -> list[str]:
    response = await client.get("/incidents", params=params, headers=who)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_each_reader_lists_what_they_may_see(
    client: httpx.AsyncClient, cast: Cast, auth: Auth, make_place: Any
) -> None:
    community = cast.place.community_code
    mine = (await cast.report())["id"]
    elsewhere = await make_place(community_code=community)
    other_resident = auth(Role.RESIDENT, scope=community)
    theirs = (await cast.report(reporter=other_resident, building_id=str(elsewhere.building_id)))[
        "id"
    ]

    assert await ids(client, cast.resident) == [mine]
    assert await ids(client, other_resident) == [theirs]
    assert await ids(client, cast.worker) == [mine]  # their grid only
    assert await ids(client, cast.community) == [theirs, mine]  # newest first
    street = auth(Role.STREET_ADMIN, scope=community[:9])
    assert await ids(client, street, division=community) == [theirs, mine]

    # Paginated with the kernel's cursor.
    first = await client.get("/incidents", params={"limit": 1}, headers=cast.community)
    page = first.json()
    assert [i["id"] for i in page["items"]] == [theirs]
    second = await client.get(
        "/incidents", params={"limit": 1, "cursor": page["next_cursor"]}, headers=cast.community
    )
    assert [i["id"] for i in second.json()["items"]] == [mine]
    assert second.json()["next_cursor"] is None


async def test_an_escalated_incident_is_in_the_reached_levels_inbox(
    client: httpx.AsyncClient, cast: Cast, auth: Auth
) -> None:
    community = cast.place.community_code
    street = auth(Role.STREET_ADMIN, scope=community[:9])
    incident_id = (await cast.report())["id"]
    assert await ids(client, street, level="street") == []
    await cast.step(incident_id, "escalate", by=cast.community, note="需街道协调")
    assert await ids(client, street, level="street", status="escalated") == [incident_id]
    assert await ids(client, street, level="community") == []


async def test_list_refusals(client: httpx.AsyncClient, cast: Cast, auth: Auth) -> None:
    community = cast.place.community_code
    for params, who, expected in (
        ({"division": community[:9] + "999"}, cast.community, 403),
        ({"division": "33x1"}, cast.community, 422),
        ({"status": "lost"}, cast.community, 422),
        ({"cursor": "not-ours"}, cast.community, 422),
        ({"category": "a\u0000b"}, cast.community, 422),
        ({"comunity": community}, cast.community, 422),
        ({}, auth(Role.ENTERPRISE, scope=community), 403),
    ):
        response = await client.get("/incidents", params=params, headers=who)
        assert response.status_code == expected, (params, response.text)


async def test_overdue_and_escalated_counts_per_community(
    client: httpx.AsyncClient, cast: Cast, auth: Auth, make_place: Any, sessionmaker: Sessions
) -> None:
    community = cast.place.community_code
    neighbour = community[:9] + "002"
    neighbour_place = await make_place(community_code=neighbour)
    late = (await cast.report())["id"]
    escalated = (await cast.report())["id"]
    await cast.report()  # open, in time
    closed = (await cast.report())["id"]
    await cast.step(closed, "close", by=cast.community, note="重复")
    await cast.report(
        reporter=auth(Role.RESIDENT, scope=neighbour), building_id=str(neighbour_place.building_id)
    )
    await cast.step(escalated, "escalate", by=cast.community, note="x")
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Incident)
            .where(Incident.id == uuid.UUID(late))
            .values(dispatch_due_at=datetime.now(UTC) - timedelta(minutes=1))
        )

    street = auth(Role.STREET_ADMIN, scope=community[:9])
    response = await client.get("/incidents/stats", headers=street)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["division"] == community[:9]
    by_community = {c["community_code"]: c for c in body["communities"]}
    assert by_community[community] == {
        "community_code": community,
        "open": 3,
        "overdue": 1,
        "escalated": 1,
        "community": 2,
        "street": 1,
        "district": 0,
        "city": 0,
    }
    assert by_community[neighbour]["open"] == 1
    assert body["total"]["open"] == 4
    assert body["total"]["escalated"] == 1

    one = await client.get("/incidents/stats", params={"division": community}, headers=street)
    assert [c["community_code"] for c in one.json()["communities"]] == [community]
    outside = await client.get(
        "/incidents/stats", params={"division": community[:6] + "999"}, headers=street
    )
    assert outside.status_code == 403
    assert (await client.get("/incidents/stats", headers=cast.resident)).status_code == 403


async def test_children_of_a_street_equal_each_communitys_own_total(
    client: httpx.AsyncClient, cast: Cast, auth: Auth, make_place: Any
) -> None:
    community = cast.place.community_code
    neighbour = community[:9] + "002"
    neighbour_place = await make_place(community_code=neighbour)
    escalated = (await cast.report())["id"]
    await cast.report()
    await cast.step(escalated, "escalate", by=cast.community, note="x")
    await cast.report(
        reporter=auth(Role.RESIDENT, scope=neighbour), building_id=str(neighbour_place.building_id)
    )
    street = auth(Role.STREET_ADMIN, scope=community[:9])

    async def of(division: str, **params: str) -> dict[str, Any]:
        answer = await client.get(
            "/incidents/stats", params={"division": division, **params}, headers=street
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    broken_down = await of(community[:9], children="true")
    assert broken_down["children"] == [
        (await of(community))["total"],
        (await of(neighbour))["total"],
    ]
    assert [(c["open"], c["escalated"]) for c in broken_down["children"]] == [(2, 1), (1, 0)]
    assert "children" not in await of(community[:9])
    assert (await of(community, children="true"))["children"] == []
    district = auth(Role.DISTRICT_ADMIN, scope=community[:6])
    by_street = await client.get(
        "/incidents/stats", params={"division": community[:6], "children": "true"}, headers=district
    )
    streets = {c["community_code"]: c for c in by_street.json()["children"]}
    assert streets[community[:9]] == broken_down["total"]

    outside = await client.get(
        "/incidents/stats", params={"division": community[:6], "children": "true"}, headers=street
    )
    assert outside.status_code == 403
    bad = await client.get(
        "/incidents/stats", params={"division": "33x1", "children": "true"}, headers=street
    )
    assert bad.status_code == 422


async def test_the_openapi_documents_the_children_flag_and_field(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    parameters = spec["paths"]["/incidents/stats"]["get"]["parameters"]
    assert "children" in {p["name"] for p in parameters}
    assert "children" in spec["components"]["schemas"]["IncidentStats"]["properties"]
