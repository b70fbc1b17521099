"""Open311 GeoReport v2: services and their definitions, posting with an api_key, queries,
tokens, the standard's error lists in JSON and XML, and the staff who issue the keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import xmltodict  # type: ignore[import-untyped]
from sqlalchemy import select

from linli.common.auth import Role
from linli.grid.models import Open311Client, Open311Request
from linli.testing import OutboxReader

App = Any
Auth = Any


def xml(response: httpx.Response) -> Any:
    assert response.headers["content-type"].startswith("text/xml"), response.text
    return xmltodict.parse(
        response.content, force_list=("service", "request", "error", "attribute", "value")
    )


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The standard's error list, read from JSON or XML as a client would."""
    if response.headers["content-type"].startswith("text/xml"):
        return [
            {"code": int(e["code"]), "description": e["description"]}
            for e in xml(response)["errors"]["error"]
        ]
    body: list[dict[str, Any]] = response.json()
    return body


async def test_services_and_their_definition_in_json_and_xml(app311: App) -> None:
    client = app311.client
    listed = await client.get("/open311/v2/services.json")
    assert listed.status_code == 200
    mine = [s for s in listed.json() if s["service_code"] == app311.category]
    assert mine == [
        {
            "service_code": app311.category,
            "service_name": "占道经营",
            "description": mine[0]["description"],
            "metadata": True,
            "type": "realtime",
            "keywords": app311.category.replace(".", ","),
            "group": "test",
        }
    ]
    as_xml = xml(await client.get("/open311/v2/services.xml"))["services"]["service"]
    [entry] = [s for s in as_xml if s["service_code"] == app311.category]
    assert (entry["metadata"], entry["type"], entry["service_name"]) == (
        "true",
        "realtime",
        "占道经营",
    )

    definition = await client.get(f"/open311/v2/services/{app311.category}.json")
    assert definition.status_code == 200
    attributes = definition.json()["attributes"]
    assert definition.json()["service_code"] == app311.category
    assert [a["code"] for a in attributes] == ["title", "place_detail", "danger"]
    danger = attributes[2]
    assert (danger["datatype"], danger["required"], danger["order"]) == (
        "singlevaluelist",
        False,
        3,
    )
    assert [v["key"] for v in danger["values"]] == ["yes", "no"]
    in_xml = xml(await client.get(f"/open311/v2/services/{app311.category}.xml"))
    attribute = in_xml["service_definition"]["attributes"]["attribute"]
    assert [a["code"] for a in attribute] == ["title", "place_detail", "danger"]
    assert [v["key"] for v in attribute[2]["values"]["value"]] == ["yes", "no"]

    missing = await client.get("/open311/v2/services/no.such.json")
    assert missing.status_code == 404
    assert errors_of(missing)[0]["code"] == 404
    assert (await client.get("/open311/v2/services.yaml")).status_code == 404


async def test_a_posted_request_is_an_incident_reported_by_the_app(
    app311: App, outbox: OutboxReader, sessionmaker: Any
) -> None:
    posted = await app311.post(
        first_name="小明",
        last_name="王",
        email="wang@example.com",
        phone="13812345678",
        **{"attribute[danger]": "yes", "attribute[place_detail]": "3号楼东侧"},
    )
    assert posted.status_code == 200, posted.text
    [answer] = posted.json()
    assert set(answer) == {"service_request_id", "token", "service_notice", "account_id"}
    incident_id = answer["service_request_id"]

    detail = await app311.client.get(f"/incidents/{incident_id}", headers=app311.staff)
    assert detail.status_code == 200, detail.text
    incident = detail.json()
    assert (incident["source"], incident["status"], incident["level"]) == (
        "open311",
        "reported",
        "community",
    )
    assert incident["grid_id"] == str(app311.place.grid_id)
    assert incident["reporter_name_masked"] == "王**"
    assert incident["description"].startswith("【有人身危险")
    assert "3号楼东侧" in incident["description"]
    assert incident["timeline"][0]["actor_role"] == "open311_client"
    [reported] = [
        m
        for m in await outbox.messages(type="incident.reported")
        if m.payload["data"]["incident_id"] == incident_id
    ]
    assert reported.payload["data"]["source"] == "open311"
    assert "13812345678" not in str(reported.payload) and "wang@" not in str(reported.payload)
    async with sessionmaker() as session:
        row = await session.get(Open311Request, uuid.UUID(incident_id))
        assert row is not None and row.attributes == {"danger": "yes", "place_detail": "3号楼东侧"}
        assert "13812345678" not in str(row.attributes)

    read = await app311.client.get(f"/open311/v2/requests/{incident_id}.json")
    [request] = read.json()
    assert request["service_request_id"] == incident_id
    assert (request["status"], request["service_code"]) == ("open", app311.category)
    assert request["address_id"] == str(app311.place.building_id)
    requested = datetime.fromisoformat(request["requested_datetime"])
    assert requested.utcoffset() == timedelta(hours=8)
    assert abs(requested - datetime.now(UTC)) < timedelta(minutes=1)
    assert request["agency_responsible"] == f"community {app311.place.community_code}"

    token = await app311.client.get(f"/open311/v2/tokens/{answer['token']}.xml")
    [by_token] = xml(token)["service_requests"]["request"]
    assert by_token == {"service_request_id": incident_id, "token": answer["token"]}


async def test_posting_and_reading_in_xml(app311: App) -> None:
    posted = await app311.post(
        "xml",
        address_id=None,
        lat="30.2741",
        long="120.1551",
        address_string="文三路 90 号",
        jurisdiction_id=app311.place.community_code,
    )
    assert posted.status_code == 200, posted.text
    [answer] = xml(posted)["service_requests"]["request"]
    incident_id = answer["service_request_id"]
    read = xml(await app311.client.get(f"/open311/v2/requests/{incident_id}.xml"))
    [request] = read["service_requests"]["request"]
    assert (request["status"], request["lat"], request["long"]) == ("open", "30.2741", "120.1551")
    assert request["address"] == "文三路 90 号"
    assert request["address_id"] is None  # an empty element
    assert request["requested_datetime"].endswith("+08:00")


async def test_the_handled_request_reads_closed_with_the_level_in_its_notes(
    app311: App, auth: Auth
) -> None:
    incident_id = (await app311.post()).json()[0]["service_request_id"]
    worker_subject = str(uuid.uuid4())
    worker = auth(
        Role.GRID_WORKER,
        scope=app311.place.community_code,
        subject=worker_subject,
        grids=(app311.place.grid_id,),
    )
    client = app311.client
    assign = await client.put(
        f"/grids/{app311.place.grid_id}/workers/{worker_subject}",
        json={"name": "李四"},
        headers=app311.staff,
    )
    assert assign.status_code in (200, 201), assign.text
    dispatched = await client.post(
        f"/incidents/{incident_id}/dispatch",
        json={"assignee_subject": worker_subject, "assignee_name": "李四"},
        headers=app311.staff,
    )
    assert dispatched.status_code == 200, dispatched.text
    [request] = (await client.get(f"/open311/v2/requests/{incident_id}.json")).json()
    assert (request["status"], request["status_notes"]) == (
        "open",
        "dispatched to a handler (community level)",
    )
    for step, body in (("accept", {}), ("start", {}), ("resolve", {"note": "已更换灯泡"})):
        response = await client.post(f"/incidents/{incident_id}/{step}", json=body, headers=worker)
        assert response.status_code == 200, response.text
    [request] = (await client.get(f"/open311/v2/requests/{incident_id}.json")).json()
    assert (request["status"], request["expected_datetime"]) == ("closed", None)


async def test_query_filters_of_the_standard(app311: App, make_category: Any, auth: Auth) -> None:
    client = app311.client
    first = (await app311.post()).json()[0]["service_request_id"]
    other_category = await make_category()
    second = (await app311.post(service_code=other_category)).json()[0]["service_request_id"]
    closed = (await app311.post()).json()[0]["service_request_id"]
    response = await client.post(
        f"/incidents/{closed}/close", json={"note": "非事件"}, headers=app311.staff
    )
    assert response.status_code == 200, response.text

    def ids(response: httpx.Response) -> set[str]:
        assert response.status_code == 200, response.text
        return {r["service_request_id"] for r in response.json()}

    listed = ids(await client.get("/open311/v2/requests.json"))
    assert {first, second, closed} <= listed
    by_id = await client.get(
        "/open311/v2/requests.json", params={"service_request_id": f"{first},{second}"}
    )
    assert ids(by_id) == {first, second}
    # The ids override the other filters, as the standard says.
    by_id_and_code = await client.get(
        "/open311/v2/requests.json",
        params={"service_request_id": first, "service_code": other_category},
    )
    assert ids(by_id_and_code) == {first}
    assert ids(
        await client.get("/open311/v2/requests.json", params={"service_code": other_category})
    ) == {second}
    mine = {first, second, closed}
    open_ = ids(await client.get("/open311/v2/requests.json", params={"status": "open"}))
    closed_ = ids(await client.get("/open311/v2/requests.json", params={"status": "closed"}))
    assert (open_ & mine, closed_ & mine) == ({first, second}, {closed})
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert (
        not ids(await client.get("/open311/v2/requests.json", params={"start_date": future})) & mine
    )
    assert (
        ids(
            await client.get(
                "/open311/v2/requests.json", params={"start_date": past, "end_date": future}
            )
        )
        >= mine
    )
    assert not ids(await client.get("/open311/v2/requests.json", params={"end_date": past})) & mine
    in_xml = xml(
        await client.get("/open311/v2/requests.xml", params={"service_code": other_category})
    )
    assert [r["service_request_id"] for r in in_xml["service_requests"]["request"]] == [second]


async def test_only_requests_posted_through_open311_are_public(app311: App, auth: Auth) -> None:
    resident = auth(Role.RESIDENT, scope=app311.place.community_code)
    reported = await app311.client.post(
        "/incidents",
        json={
            "category": app311.category,
            "title": "楼道堆物",
            "description": "私人信息",
            "building_id": str(app311.place.building_id),
        },
        headers=resident,
    )
    incident_id = reported.json()["id"]
    read = await app311.client.get(f"/open311/v2/requests/{incident_id}.json")
    assert read.status_code == 404
    listed = await app311.client.get(
        "/open311/v2/requests.json", params={"service_request_id": incident_id}
    )
    assert listed.json() == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_refusals_in_the_standards_format(app311: App, fmt: str, sessionmaker: Any) -> None:
    client = app311.client

    async def refused(response: httpx.Response, status: int, words: str) -> None:
        assert response.status_code == status, response.text
        errors = errors_of(response)
        assert errors[0]["code"] == status
        assert words in " ".join(e["description"] for e in errors), errors

    await refused(await app311.post(fmt, api_key=None), 403, "api_key: required")
    await refused(await app311.post(fmt, api_key="forged"), 403, "not a key")
    await refused(await app311.post(fmt, service_code=None), 400, "service_code: required")
    await refused(await app311.post(fmt, service_code="no.such"), 400, "no service")
    await refused(await app311.post(fmt, address_id=None), 400, "a location is required")
    await refused(await app311.post(fmt, address_id="not-an-id"), 400, "address_id")
    await refused(await app311.post(fmt, address_id=str(uuid.uuid4())), 400, "no such building")
    await refused(await app311.post(fmt, nickname="x"), 400, "nickname: not a field")
    await refused(await app311.post(fmt, description="a\x00b"), 400, "NUL")
    await refused(await app311.post(fmt, description="x" * 4001), 400, "at most 4000")
    await refused(await app311.post(fmt, lat="٣٠.١", long="120"), 400, "ASCII digits")
    await refused(await app311.post(fmt, lat="30"), 400, "give both")
    await refused(await app311.post(fmt, **{"attribute[danger]": "maybe"}), 400, "one of yes, no")
    await refused(await app311.post(fmt, **{"attribute[colour]": "red"}), 400, "no such attribute")
    await refused(
        await app311.post(
            fmt, address_id=None, lat="30", long="120", jurisdiction_id="330108999001"
        ),
        403,
        "not issued for requests in 330108999001",
    )
    await refused(
        await client.post(f"/open311/v2/requests.{fmt}", json={"api_key": app311.api_key}),
        400,
        "form",
    )
    await refused(
        await client.get(f"/open311/v2/requests/{uuid.uuid4()}.{fmt}"), 404, "no such request"
    )
    await refused(await client.get(f"/open311/v2/tokens/nope.{fmt}"), 404, "no such token")
    await refused(
        await client.get(
            f"/open311/v2/requests.{fmt}", params={"start_date": "2026-12-01T00:00:00"}
        ),
        400,
        "time zone",
    )
    await refused(
        await client.get(f"/open311/v2/requests.{fmt}", params={"status": "pending"}),
        400,
        "open or closed",
    )
    await refused(
        await client.get(f"/open311/v2/requests.{fmt}", params={"service_request_id": "1,2"}),
        400,
        "service_request_id",
    )
    await refused(
        await client.get(f"/open311/v2/requests.{fmt}", params={"comunity": "x"}), 400, "comunity"
    )
    # Nothing of the refused posts was stored.
    async with sessionmaker() as session:
        stored = await session.scalars(
            select(Open311Request).where(Open311Request.client_id == uuid.UUID(app311.client_id))
        )
        assert stored.all() == []


async def test_staff_issue_list_and_revoke_keys(app311: App, auth: Auth, sessionmaker: Any) -> None:
    client = app311.client
    community = app311.place.community_code
    listed = await client.get("/open311-clients", headers=app311.staff)
    assert listed.status_code == 200
    [entry] = [c for c in listed.json() if c["id"] == app311.client_id]
    assert "api_key" not in entry and entry["division_code"] == community
    async with sessionmaker() as session:
        stored = await session.get(Open311Client, uuid.UUID(app311.client_id))
        assert stored is not None and app311.api_key not in stored.key_hash
    assert (await app311.post()).status_code == 200

    resident = auth(Role.RESIDENT, scope=community)
    assert (
        await client.post("/open311-clients", json={"name": "x"}, headers=resident)
    ).status_code == 403
    outside = await client.post(
        "/open311-clients",
        json={"name": "x", "division_code": "330108999"},
        headers=app311.staff,
    )
    assert outside.status_code == 403
    other = auth(Role.COMMUNITY_WORKER, scope="330108999001")
    assert (
        await client.delete(f"/open311-clients/{app311.client_id}", headers=other)
    ).status_code == 404

    revoked = await client.delete(f"/open311-clients/{app311.client_id}", headers=app311.staff)
    assert revoked.status_code == 204
    refused = await app311.post()
    assert refused.status_code == 403
    assert refused.json() == [{"code": 403, "description": "api_key: this key was revoked"}]


async def test_discovery_names_the_endpoint_as_the_gateway_publishes_it(app311: App) -> None:
    client = app311.client
    behind = {"X-Forwarded-Host": "linli.example.cn", "X-Forwarded-Proto": "https"}
    found = await client.get("/open311/v2/discovery.json", headers=behind)
    assert found.status_code == 200
    [endpoint] = found.json()["endpoints"]
    assert endpoint["url"] == "https://linli.example.cn/open311/v2"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    in_xml = xml(await client.get("/open311/v2/discovery.xml", headers=behind))
    endpoint = in_xml["discovery"]["endpoints"]["endpoint"]
    assert endpoint["url"] == "https://linli.example.cn/open311/v2"
    assert endpoint["formats"]["format"] == ["application/json", "text/xml"]
    forged = await client.get(
        "/open311/v2/discovery.json", headers={"X-Forwarded-Host": "evil/<x>"}
    )
    assert forged.json()["endpoints"][0]["url"] == "http://testserver/open311/v2"


async def test_a_form_over_64_kb_is_not_read(app311: App) -> None:
    refused = await app311.post(
        description="x" * 3000, media_url="https://a.example/" + "y" * 70000
    )
    assert refused.status_code == 400, refused.text
    assert refused.json() == [{"code": 400, "description": "the form may have at most 65536 bytes"}]
    broken = await app311.client.post(
        "/open311/v2/requests.json",
        content=b"api_key=%ff%fe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert broken.status_code == 400
    assert "could not be read" in broken.json()[0]["description"]
