"""A district's directive tracked to the last community: the status board after every step,
each level seeing only its own rows, and the events on each unit's subject."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from linli.common.auth import Role

Auth = Any
District = Any


def tally(targets: int, ack: int, done: int, overdue: int = 0) -> dict[str, int]:
    return {
        "targets": targets,
        "acknowledged": ack,
        "not_acknowledged": targets - ack,
        "completed": done,
        "not_completed": targets - done,
        "withdrawn": 0,
        "overdue": overdue,
    }


async def test_status_is_exact_after_every_step_and_streets_see_only_their_rows(
    district: District, auth: Auth
) -> None:
    a1, a2, b1, b2 = district.communities
    street_a, street_b = district.streets
    made = await district.issued(
        files=[("attachments", ("通知.pdf", district.pdf, "application/pdf"))]
    )
    directive_id = made["id"]
    assert (made["issuer_code"], made["issuer_level"], made["target_count"]) == (
        district.code,
        "district",
        4,
    )
    assert [u["community_code"] for u in made["units"]] == [a1, a2, b1, b2]
    assert [a["name"] for a in made["attachments"]] == ["通知.pdf"]

    async def board() -> dict[str, Any]:
        return await district.status(directive_id)  # type: ignore[no-any-return]

    status = await board()
    assert status["total"] == tally(4, 0, 0)
    assert [(s["street_code"], s["targets"]) for s in status["streets"]] == [
        (street_a, 2),
        (street_b, 2),
    ]
    assert status["not_acknowledged"] == [a1, a2, b1, b2]
    assert status["not_completed"] == [a1, a2, b1, b2]
    assert status["overdue"] == []

    # A1 signs: twenty taps at once are one acknowledgement and one event.
    answers = await asyncio.gather(*(district.acknowledge(directive_id, a1) for _ in range(20)))
    assert {r.status_code for r in answers} == {200}
    assert {r.json()["state"] for r in answers} == {"acknowledged"}
    status = await board()
    assert status["total"] == tally(4, 1, 0)
    assert status["streets"][0] | {"street_code": None} == {**tally(2, 1, 0), "street_code": None}
    assert status["not_acknowledged"] == [a2, b1, b2]
    assert status["not_completed"] == [a1, a2, b1, b2]

    done = await district.complete(
        directive_id, a1, files=[("evidence", ("整改.pdf", district.pdf, "application/pdf"))]
    )
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["late"]) == ("completed", False)
    assert (await district.acknowledge(directive_id, b1)).status_code == 200
    status = await board()
    assert status["total"] == tally(4, 2, 1)
    assert status["streets"] == [
        {**tally(2, 1, 1), "street_code": street_a},
        {**tally(2, 1, 0), "street_code": street_b},
    ]
    assert status["not_acknowledged"] == [a2, b2]
    assert status["not_completed"] == [a2, b1, b2]
    by_code = {u["community_code"]: u for u in status["units"]}
    assert by_code[a1]["state"] == "completed"
    assert by_code[a1]["completion_note"] == "已完成排查，整改3处"
    assert by_code[b1]["state"] == "acknowledged"
    assert by_code[b2]["state"] == "not_acknowledged"

    # Street B's admin sees their own two communities, nothing of street A.
    mine = await district.status(directive_id, by=district.street_admin(street_b))
    assert mine["total"] == tally(2, 1, 0)
    assert [s["street_code"] for s in mine["streets"]] == [street_b]
    assert [u["community_code"] for u in mine["units"]] == [b1, b2]
    assert mine["not_acknowledged"] == [b2]
    assert mine["not_completed"] == [b1, b2]
    detail = await district.client.get(
        f"/directives/{directive_id}", headers=district.street_admin(street_b)
    )
    assert detail.status_code == 200
    assert detail.json()["evidence"] == []
    assert [u["community_code"] for u in detail.json()["units"]] == [b1, b2]
    # A1's evidence: A1 and street A (and the district) read it; street B does not.
    evidence = (
        await district.client.get(f"/directives/{directive_id}", headers=district.admin)
    ).json()["evidence"]
    assert [(e["community_code"], e["name"]) for e in evidence] == [(a1, "整改.pdf")]
    url = f"/directives/{directive_id}/files/{evidence[0]['id']}"
    for who, expected in (
        (district.worker(a1), 200),
        (district.street_admin(street_a), 200),
        (district.street_admin(street_b), 404),
        (district.worker(b1), 404),
    ):
        served = await district.client.get(url, headers=who)
        assert served.status_code == expected, served.text
        if expected == 200:
            assert served.content == district.pdf
    attachment = made["attachments"][0]["id"]
    served = await district.client.get(
        f"/directives/{directive_id}/files/{attachment}", headers=district.worker(b2)
    )
    assert (served.status_code, served.content) == (200, district.pdf)

    # The city above the district sees the whole board; another district, nothing.
    city = auth(Role.CITY_ADMIN, scope=district.code[:4])
    assert (await district.status(directive_id, by=city))["total"] == tally(4, 2, 1)
    stranger = auth(Role.DISTRICT_ADMIN, scope="330108")
    assert (
        await district.client.get(f"/directives/{directive_id}/status", headers=stranger)
    ).status_code == 404

    # Inboxes and the issuer's list.
    inbox = await district.client.get("/directives/inbox", headers=district.worker(b1))
    assert inbox.status_code == 200, inbox.text
    assert [(i["id"], i["unit"]["state"]) for i in inbox.json()["items"]] == [
        (directive_id, "acknowledged")
    ]
    street_view = await district.client.get(
        "/directives/inbox", params={"division": b2}, headers=district.street_admin(street_b)
    )
    assert [i["unit"]["state"] for i in street_view.json()["items"]] == ["not_acknowledged"]
    issued = await district.client.get("/directives/issued", headers=district.admin)
    assert issued.status_code == 200, issued.text
    assert [(i["id"], i["tally"]) for i in issued.json()["items"]] == [
        (directive_id, tally(4, 2, 1))
    ]

    # Events: down on the district's subject and each community's, up on each community's.
    events = await district.events(directive_id)
    issued_events = [e for e in events if e["type"] == "directive.issued"]
    assert sorted((e["copy_on"], e["subject"]) for e in issued_events) == sorted(
        [("issuer", district.subject(district.code, "issued"))]
        + [("community", district.subject(c, "issued")) for c in (a1, a2, b1, b2)]
    )
    issuer_copy = next(e for e in issued_events if e["copy_on"] == "issuer")
    assert issuer_copy["communities"] == [a1, a2, b1, b2]
    assert issuer_copy["community_code"] is None
    assert issuer_copy["attachment_count"] == 1
    up = [(e["type"], e["subject"]) for e in events if e["type"] != "directive.issued"]
    assert up == [
        ("directive.acknowledged", district.subject(a1, "acknowledged")),
        ("directive.completed", district.subject(a1, "completed")),
        ("directive.acknowledged", district.subject(b1, "acknowledged")),
    ]
    # No body, note or file name travels.
    text = str(events)
    assert "楼道" not in text and "整改3处" not in text and "通知.pdf" not in text


async def test_a_street_issues_to_chosen_communities_only(district: District) -> None:
    a1, a2, b1, _ = district.communities
    street = district.street_admin(district.streets[0])
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    keyed = {**street, "Idempotency-Key": f"street-{uuid.uuid4()}"}
    first = await district.issue(by=keyed, communities=[a2], deadline=deadline)
    retry = await district.issue(by=keyed, communities=[a2], deadline=deadline)
    assert (first.status_code, retry.status_code) == (201, 201), retry.text
    assert retry.json()["id"] == first.json()["id"]
    made = first.json()
    assert len(await district.events(made["id"], "directive.issued")) == 2
    assert (made["issuer_level"], made["target_count"]) == ("street", 1)
    status = await district.status(made["id"], by=street)
    assert status["units"][0]["community_code"] == a2
    # Not sent to A1: its worker can neither read nor sign it; the district above can read it.
    assert (await district.acknowledge(made["id"], a1)).status_code == 404
    assert (
        await district.client.get(f"/directives/{made['id']}", headers=district.worker(a1))
    ).status_code == 404
    assert (await district.status(made["id"]))["total"]["targets"] == 1
    # The street's own list, and the district's list of everything issued below it.
    for who in (street, district.admin):
        listed = await district.client.get("/directives/issued", headers=who)
        assert made["id"] in [i["id"] for i in listed.json()["items"]]
    assert (await district.acknowledge(made["id"], b1)).status_code == 404
