"""Incidents through the HTTP API: the lifecycle, its refusals, its timeline and its events."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.grid.events import grid_event_adapter
from linli.grid.models import Incident
from linli.testing import short_type

Sessions = async_sessionmaker[AsyncSession]
Cast = Any
Auth = Any


async def test_a_resident_report_is_dispatched_resolved_verified_and_closed(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    incident = await cast.report(
        latitude=30.27,
        longitude=120.15,
        contact_name="王小明",
    )
    assert incident["status"] == "reported"
    assert incident["level"] == "community"
    assert incident["source"] == "resident"
    assert incident["community_code"] == cast.place.community_code
    assert incident["grid_id"] == str(cast.place.grid_id)  # from the building
    assert incident["reporter_name_masked"] == "王**"
    assert incident["allowed_moves"] == ["dispatch", "close", "escalate", "merge"]
    incident_id = incident["id"]

    dispatched = await cast.dispatch(incident_id)
    assert dispatched.status_code == 200, dispatched.text
    assert dispatched.json()["assignee_name_masked"] == "李*"
    for step, body, state in (
        ("accept", {}, "accepted"),
        ("start", {"note": "已到现场"}, "in_progress"),
        ("resolve", {"note": "杂物已清理"}, "resolved"),
    ):
        response = await client.post(
            f"/incidents/{incident_id}/{step}", json=body, headers=cast.worker
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == state

    rated = await client.post(
        f"/incidents/{incident_id}/rating",
        json={"rating": 5, "fixed": True, "comment": "很快"},
        headers=cast.resident,
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["status"] == "verified"
    assert rated.json()["rating"] == 5
    closed = await client.post(
        f"/incidents/{incident_id}/close", json={"note": "办结"}, headers=cast.community
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["allowed_moves"] == []

    # The reporter follows every step: who (role, masked name), when, and the note.
    detail = (await client.get(f"/incidents/{incident_id}", headers=cast.resident)).json()
    steps = [(s["action"], s["to_status"], s["actor_role"]) for s in detail["timeline"]]
    assert steps == [
        ("report", "reported", "resident"),
        ("dispatch", "dispatched", "community_worker"),
        ("accept", "accepted", "grid_worker"),
        ("start", "in_progress", "grid_worker"),
        ("resolve", "resolved", "grid_worker"),
        ("rate", "verified", "resident"),
        ("close", "closed", "community_worker"),
    ]
    assert detail["timeline"][2]["actor_name_masked"] == "李*"
    assert detail["timeline"][4]["note"] == "杂物已清理"

    messages = await cast.events(incident_id)
    # Every event is one of the service's catalogue (one discriminated union).
    assert {type(grid_event_adapter.validate_python(m.payload["data"])).__name__ for m in messages}
    assert [short_type(m.type) for m in messages] == [
        "incident.reported",
        "incident.dispatched",
        "incident.accepted",
        "incident.started",
        "incident.resolved",
        "incident.rated",
        "incident.verified",
        "incident.closed",
    ]
    community = cast.place.community_code
    subject = f"linli.{community[:4]}.{community[:6]}.{community[:9]}.{community}.grid.incident"
    assert {m.subject.rsplit(".", 1)[0] for m in messages} == {subject}
    # No free text and no names leave the service.
    text = " ".join(str(m.payload) for m in messages)
    for private in ("楼道", "纸箱", "杂物", "王", "李", "很快", "办结"):
        assert private not in text


async def test_not_fixed_reopens_the_incident_for_dispatch(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    incident_id = await cast.resolved()
    response = await client.post(
        f"/incidents/{incident_id}/rating",
        json={"rating": 2, "fixed": False, "comment": "还有一半没清"},
        headers=cast.resident,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "reported"
    assert body["assignee_name_masked"] is None
    assert body["rating"] == 2
    assert [short_type(m.type) for m in await cast.events(incident_id)][-2:] == [
        "incident.rated",
        "incident.reopened",
    ]
    assert (await cast.dispatch(incident_id)).status_code == 200


async def test_an_illegal_move_is_409_naming_the_state_and_the_allowed_moves(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    incident = await cast.report()
    incident_id = incident["id"]
    assert (await cast.dispatch(incident_id)).status_code == 200
    before = [m.id for m in await cast.events(incident_id)]

    again = await cast.dispatch(incident_id)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    problem = again.json()
    assert problem["state"] == "dispatched"
    assert problem["allowed"] == ["accept", "return", "escalate", "merge"]

    early = await client.post(
        f"/incidents/{incident_id}/resolve", json={"note": "x"}, headers=cast.worker
    )
    assert early.status_code == 409
    assert early.json()["state"] == "dispatched"
    rate = await client.post(
        f"/incidents/{incident_id}/rating", json={"rating": 5, "fixed": True}, headers=cast.resident
    )
    assert rate.status_code == 409
    # Refusals change nothing.
    assert [m.id for m in await cast.events(incident_id)] == before
    detail = await client.get(f"/incidents/{incident_id}", headers=cast.community)
    assert detail.json()["status"] == "dispatched"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "no.such.category"}, "body.category"),
        ({"building_id": str(uuid.uuid4())}, "body.building_id"),
        ({"building_id": None, "grid_id": str(uuid.uuid4())}, "body.grid_id"),
        ({"latitude": 30.1}, "body"),
        ({"latitude": 91, "longitude": 120}, "body.latitude"),
        ({"building_id": None}, "body"),
        ({"title": "坏\u0000标题"}, "body.title"),
        ({"title": ""}, "body.title"),
        ({"surprise": 1}, "body.surprise"),
    ],
)
async def test_bad_reports_are_422_and_create_nothing(
    client: httpx.AsyncClient,
    cast: Cast,
    sessionmaker: Sessions,
    change: dict[str, Any],
    field: str,
) -> None:
    body = {
        "category": cast.category,
        "title": "路灯不亮",
        "description": "小区东门路灯坏了",
        "building_id": str(cast.place.building_id),
        **change,
    }
    body = {k: v for k, v in body.items() if v is not None}
    async with sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(Incident))
    response = await client.post("/incidents", json=body, headers=cast.resident)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in {error["field"] for error in response.json()["errors"]}
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Incident)) == count


async def test_bad_step_bodies_are_422(client: httpx.AsyncClient, cast: Cast) -> None:
    incident_id = await cast.resolved()
    for path, body, who in (
        ("rating", {"rating": 6, "fixed": True}, cast.resident),
        ("rating", {"rating": 0, "fixed": True}, cast.resident),
        ("close", {}, cast.community),
        ("escalate", {"note": ""}, cast.community),
    ):
        response = await client.post(f"/incidents/{incident_id}/{path}", json=body, headers=who)
        assert response.status_code == 422, (path, response.text)


async def test_a_free_address_needs_a_community(
    client: httpx.AsyncClient, cast: Cast, auth: Auth
) -> None:
    unapproved = auth(Role.RESIDENT)  # no community in the token yet
    body = {
        "category": cast.category,
        "title": "井盖缺失",
        "description": "路口",
        "address": "文三路口",
    }
    refused = await client.post("/incidents", json=body, headers=unapproved)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.community_code"
    placed = await client.post(
        "/incidents",
        json={**body, "community_code": cast.place.community_code},
        headers=unapproved,
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["grid_id"] is None
    # From their own community's token, the community is theirs.
    own = await client.post("/incidents", json=body, headers=cast.resident)
    assert own.json()["community_code"] == cast.place.community_code


async def test_who_sees_an_incident(
    client: httpx.AsyncClient, cast: Cast, auth: Auth, make_place: Any
) -> None:
    incident = await cast.report()
    path = f"/incidents/{incident['id']}"
    community = cast.place.community_code
    other_place = await make_place(community_code=community)
    seen = {
        "reporter": cast.resident,
        "grid worker of its grid": cast.worker,
        "community worker": cast.community,
        "street admin": auth(Role.STREET_ADMIN, scope=community[:9]),
        "auditor": auth(Role.AUDITOR, scope=community[:6]),
    }
    for who, credentials in seen.items():
        assert (await client.get(path, headers=credentials)).status_code == 200, who
    unseen = {
        "another resident": auth(Role.RESIDENT, scope=community),
        "grid worker of another grid": auth(
            Role.GRID_WORKER, scope=community, grids=(other_place.grid_id,)
        ),
        "community worker elsewhere": auth(Role.COMMUNITY_WORKER, scope=community[:9] + "999"),
    }
    for who, credentials in unseen.items():
        response = await client.get(path, headers=credentials)
        assert response.status_code == 404, who
        assert response.json()["type"].endswith("incident-not-found")
    never = auth(Role.ENTERPRISE, scope=community)
    assert (await client.get(path, headers=never)).status_code == 403
    assert (await client.get(path)).status_code == 401


async def test_steps_by_the_wrong_people_are_refused(
    client: httpx.AsyncClient, cast: Cast, auth: Auth
) -> None:
    incident = await cast.report()
    incident_id = incident["id"]
    body = {"assignee_subject": "x", "assignee_name": "某人"}
    resident_dispatch = await client.post(
        f"/incidents/{incident_id}/dispatch", json=body, headers=cast.resident
    )
    assert resident_dispatch.status_code == 403
    worker_dispatch = await client.post(
        f"/incidents/{incident_id}/dispatch", json=body, headers=cast.worker
    )
    assert worker_dispatch.status_code == 403
    assert (await cast.dispatch(incident_id)).status_code == 200
    # Another grid worker of the same grid sees it but is not its handler.
    colleague = auth(Role.GRID_WORKER, scope=cast.place.community_code, grids=(cast.place.grid_id,))
    accept = await client.post(f"/incidents/{incident_id}/accept", json={}, headers=colleague)
    assert accept.status_code == 403
    # A grid worker of another community does not even learn it exists.
    stranger = auth(Role.GRID_WORKER, scope="330108999001", grids=(cast.place.grid_id,))
    assert (
        await client.post(f"/incidents/{incident_id}/accept", json={}, headers=stranger)
    ).status_code == 404


async def test_reports_outside_the_reporters_reach_are_403(
    client: httpx.AsyncClient, cast: Cast, auth: Auth, make_place: Any
) -> None:
    elsewhere = await make_place(community_code=cast.place.community_code[:9] + "998")
    body = {"category": cast.category, "title": "t", "description": "d"}
    other_grid = await client.post(
        "/incidents", json={**body, "building_id": str(elsewhere.building_id)}, headers=cast.worker
    )
    assert other_grid.status_code == 403
    other_community = await client.post(
        "/incidents",
        json={**body, "building_id": str(elsewhere.building_id)},
        headers=cast.community,
    )
    assert other_community.status_code == 403
    enterprise = auth(Role.ENTERPRISE, scope=cast.place.community_code)
    assert (
        await client.post(
            "/incidents",
            json={**body, "building_id": str(cast.place.building_id)},
            headers=enterprise,
        )
    ).status_code == 403
    # A grid worker reports in their own grid.
    own = await client.post(
        "/incidents", json={**body, "grid_id": str(cast.place.grid_id)}, headers=cast.worker
    )
    assert own.status_code == 201, own.text
    assert own.json()["source"] == "grid_worker"


async def test_a_returned_incident_goes_back_to_the_dispatcher(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    incident = await cast.report()
    incident_id = incident["id"]
    await cast.dispatch(incident_id)
    returned = await client.post(
        f"/incidents/{incident_id}/return", json={"note": "不属于本网格"}, headers=cast.worker
    )
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    assert returned.json()["allowed_moves"] == ["dispatch", "close", "escalate", "merge"]
    assert (await cast.dispatch(incident_id)).status_code == 200


async def test_a_duplicate_is_merged_into_another(client: httpx.AsyncClient, cast: Cast) -> None:
    first = await cast.report()
    second = await cast.report()
    itself = await client.post(
        f"/incidents/{second['id']}/merge", json={"into": second["id"]}, headers=cast.community
    )
    assert itself.status_code == 422
    merged = await client.post(
        f"/incidents/{second['id']}/merge", json={"into": first["id"]}, headers=cast.community
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["status"] == "merged"
    assert merged.json()["merged_into_id"] == first["id"]
    data = (await cast.events(second["id"]))[-1].payload["data"]
    assert data["merged_into_id"] == first["id"]
    survivor = (await client.get(f"/incidents/{first['id']}", headers=cast.community)).json()
    assert survivor["timeline"][-1]["action"] == "absorb"
    into_merged = await client.post(
        f"/incidents/{first['id']}/merge", json={"into": second["id"]}, headers=cast.community
    )
    assert into_merged.status_code == 422


async def test_categories_are_the_citys(
    client: httpx.AsyncClient, auth: Auth, make_category: Any
) -> None:
    code = await make_category(dispatch_sla_minutes=15, resolve_sla_hours=4)
    listed = await client.get(
        "/incidents/categories", headers=auth(Role.RESIDENT, scope="330108001001")
    )
    assert code in {c["code"] for c in listed.json()}
    body = {"code": code, "name": "x", "dispatch_sla_minutes": 1, "resolve_sla_hours": 1}
    city = auth(Role.CITY_ADMIN, scope="3301")
    assert (await client.post("/incidents/categories", json=body, headers=city)).status_code == 409
    worker = auth(Role.COMMUNITY_WORKER, scope="330108001001")
    assert (
        await client.post(
            "/incidents/categories", json={**body, "code": "other.code"}, headers=worker
        )
    ).status_code == 403
    bad = {**body, "code": "Bad Code", "dispatch_sla_minutes": 0}
    refused = await client.post("/incidents/categories", json=bad, headers=city)
    assert refused.status_code == 422
    assert {"body.code", "body.dispatch_sla_minutes"} <= {
        e["field"] for e in refused.json()["errors"]
    }


async def test_two_cities_creating_one_code_at_once_make_one_category(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    body = {
        "code": f"race.{uuid.uuid4().hex[:8]}",
        "name": "噪音扰民",
        "dispatch_sla_minutes": 30,
        "resolve_sla_hours": 24,
    }
    city = auth(Role.CITY_ADMIN, scope="3301")
    answers = await asyncio.gather(
        *(client.post("/incidents/categories", json=body, headers=city) for _ in range(3))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409]


async def test_concurrent_dispatches_make_one_step(client: httpx.AsyncClient, cast: Cast) -> None:
    incident = await cast.report()
    answers = await asyncio.gather(*(cast.dispatch(incident["id"]) for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    detail = (await client.get(f"/incidents/{incident['id']}", headers=cast.community)).json()
    assert [s["action"] for s in detail["timeline"]] == ["report", "dispatch"]


async def test_a_grid_worker_named_by_grid_code_sees_and_reports_in_their_grid(
    client: httpx.AsyncClient, cast: Cast, auth: Auth
) -> None:
    """The gateway's accounts name grids by code (`<community>-01`), not only by id."""
    community = cast.place.community_code
    by_code = auth(Role.GRID_WORKER, scope=community, grids=(f"{community}-01",))
    incident = await cast.report()
    assert (await client.get(f"/incidents/{incident['id']}", headers=by_code)).status_code == 200
    listed = await client.get("/incidents", headers=by_code)
    assert [i["id"] for i in listed.json()["items"]] == [incident["id"]]
    own = await cast.report(reporter=by_code, building_id=None, grid_id=str(cast.place.grid_id))
    assert own["source"] == "grid_worker"
    wrong = auth(Role.GRID_WORKER, scope=community, grids=(f"{community}-02",))
    assert (await client.get(f"/incidents/{incident['id']}", headers=wrong)).status_code == 404


async def test_a_dispatch_to_a_worker_who_does_not_serve_the_grid_is_refused(
    client: httpx.AsyncClient, cast: Cast, auth: Any, make_place: Any
) -> None:
    incident_id = (await cast.report())["id"]
    other_grid = await make_place(community_code=cast.place.community_code)
    elsewhere = str(uuid.uuid4())
    assigned = await client.put(
        f"/grids/{other_grid.grid_id}/workers/{elsewhere}",
        json={"name": "钱七"},
        headers=cast.community,
    )
    assert assigned.status_code in (200, 201)
    for subject in (elsewhere, str(uuid.uuid4())):
        refused = await client.post(
            f"/incidents/{incident_id}/dispatch",
            json={"assignee_subject": subject, "assignee_name": "钱七"},
            headers=cast.community,
        )
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/assignee-not-serving")
        assert f"not a grid worker of grid {cast.place.grid_id}" in problem["detail"]
        assert problem["errors"][0]["field"] == "body.assignee_subject"
    detail = await cast.read(incident_id)
    assert (detail["status"], detail["assignee_name_masked"]) == ("reported", None)
    assert [s["action"] for s in detail["timeline"]] == ["report"]

    # A free address (no grid): any grid worker of the community; above it, any handler.
    free = (await cast.report(building_id=None, address="江南大道 100 号门口"))["id"]
    outsider = await client.post(
        f"/incidents/{free}/dispatch",
        json={"assignee_subject": str(uuid.uuid4()), "assignee_name": "钱七"},
        headers=cast.community,
    )
    assert outsider.status_code == 422
    assert (await cast.dispatch(free)).status_code == 200
    escalated = await cast.step(incident_id, "escalate", by=cast.community, note="需街道协调")
    assert escalated.status_code == 200
    street = auth(Role.STREET_ADMIN, scope=cast.place.community_code[:9])
    handed = await client.post(
        f"/incidents/{incident_id}/dispatch",
        json={"assignee_subject": "street-department-1", "assignee_name": "城管中队"},
        headers=street,
    )
    assert handed.status_code == 200, handed.text
