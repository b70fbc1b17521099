"""Refusals of directives: the wrong level, the wrong role, a community not sent to, bad input,
completion before 签收: each a clear problem, and nothing changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.outbox import OutboxMessage
from linli.grid.models import Directive, DirectiveFile, DirectiveTarget

Auth = Any
District = Any
Sessions = async_sessionmaker[AsyncSession]


async def _counts(sessionmaker: Sessions, district: District) -> tuple[int, ...]:
    async with sessionmaker() as session:
        directives = await session.scalar(
            select(func.count()).where(Directive.issuer_code.startswith(district.code))
        )
        steps = await session.scalar(
            select(func.count()).where(
                DirectiveTarget.community_code.startswith(district.code),
                DirectiveTarget.acknowledged_at.is_not(None),
            )
        )
        files = await session.scalar(select(func.count()).select_from(DirectiveFile))
        events = await session.scalar(select(func.count()).select_from(OutboxMessage))
    return (directives or 0, steps or 0, files or 0, events or 0)


async def test_issuing_refusals_change_nothing(
    district: District, auth: Auth, sessionmaker: Sessions
) -> None:
    a1, _, b1, _ = district.communities
    street_a = district.street_admin(district.streets[0])
    before = await _counts(sessionmaker, district)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    refusals: list[tuple[dict[str, Any], dict[str, str] | None, int, str | None]] = [
        # A community worker receives directives, never issues them.
        ({}, district.worker(a1), 403, None),
        # A street may not send to another street's community: not below it.
        ({"communities": [a1, b1]}, street_a, 403, None),
        # A district admin's role with a street's scope does not make a street issuer.
        ({}, auth(Role.DISTRICT_ADMIN, scope=district.streets[0]), 403, None),
        # Other staff roles never issue.
        ({}, auth(Role.GRID_WORKER, scope=a1), 403, None),
        ({}, auth(Role.AUDITOR, scope=district.code), 403, None),
        # Bad input.
        ({"title": ""}, None, 422, "body.directive.title"),
        ({"title": "a\u0000b"}, None, 422, "body.directive.title"),
        ({"title": "令" * 201}, None, 422, "body.directive.title"),
        ({"body": "   "}, None, 422, "body.directive.body"),
        ({"deadline": past}, None, 422, "body.deadline"),
        ({"deadline": "2026-12-31T12:00:00"}, None, 422, "body.directive.deadline"),
        ({"communities": ["33010800100１"]}, None, 422, "body.directive.communities.0"),
        ({"communities": []}, None, 422, "body.directive.communities"),
        ({"communities": [f"{district.streets[1]}999"]}, None, 422, "body.communities"),
        ({"colour": "red"}, None, 422, "body.directive.colour"),
        ({"remind_before_hours": 0}, None, 422, "body.directive.remind_before_hours"),
    ]
    for fields, by, expected, field in refusals:
        response = await district.issue(by=by, **fields)
        assert response.status_code == expected, (fields, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        if field is not None:
            assert field in [e["field"] for e in response.json()["errors"]], response.text
    # Not JSON at all, a file that is not a document, too many files.
    broken = await district.client.post(
        "/directives", data={"directive": "{not json"}, headers=district.admin
    )
    assert broken.status_code == 422, broken.text
    exe = await district.issue(files=[("attachments", ("a.pdf", b"MZ\x90\x00" * 64, "x/y"))])
    assert exe.status_code == 415, exe.text
    many = [("attachments", (f"{n}.pdf", district.pdf, "application/pdf")) for n in range(10)]
    assert (await district.issue(files=many)).status_code == 422
    # A district with no community the grid knows: nobody would receive it.
    empty = auth(Role.STREET_ADMIN, scope=f"{district.code}777")
    nobody = await district.issue(by=empty)
    assert nobody.status_code == 422, nobody.text
    assert nobody.json()["type"].endswith("directive-no-communities")
    assert await _counts(sessionmaker, district) == before


async def test_answer_refusals_change_nothing(
    district: District, auth: Auth, sessionmaker: Sessions
) -> None:
    a1, a2, b1, b2 = district.communities
    street = district.street_admin(district.streets[0])
    made = await district.issued(by=street, communities=[a1, a2])
    directive_id = made["id"]
    before = await _counts(sessionmaker, district)

    # A community the directive was not sent to: 404, whether it signs or reports.
    assert (await district.acknowledge(directive_id, b1)).status_code == 404
    assert (await district.complete(directive_id, b2)).status_code == 404
    # Only a community worker of one community answers.
    for who in (street, district.admin, auth(Role.GRID_WORKER, scope=a1)):
        response = await district.client.post(
            f"/directives/{directive_id}/acknowledge", headers=who
        )
        assert response.status_code == 403, response.text
    # Completion before 签收 is refused.
    early = await district.complete(directive_id, a1)
    assert early.status_code == 409, early.text
    assert early.json()["type"].endswith("directive-not-acknowledged")
    # An unknown directive.
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await district.acknowledge(unknown, a1)).status_code == 404
    assert (
        await district.client.get(f"/directives/{unknown}/status", headers=street)
    ).status_code == 404
    assert await _counts(sessionmaker, district) == before

    # Once signed: a blank or NUL note is refused, and a second report is too.
    assert (await district.acknowledge(directive_id, a1)).status_code == 200
    signed = await _counts(sessionmaker, district)
    for note in ("   ", "ok\u0000", "x" * 2001):
        bad = await district.complete(directive_id, a1, note=note)
        assert bad.status_code == 422, bad.text
        assert bad.json()["errors"][0]["field"].startswith("body.note")
    assert await _counts(sessionmaker, district) == signed
    assert (await district.complete(directive_id, a1)).status_code == 200
    again = await district.complete(directive_id, a1, note="再报一次")
    assert again.status_code == 409
    status = await district.status(directive_id, by=street)
    assert [u["completion_note"] for u in status["units"]] == ["已完成排查，整改3处", None]
    # Roles that never read directives, and a list outside the caller's scope.
    assert (
        await district.client.get(
            f"/directives/{directive_id}/status", headers=auth(Role.RESIDENT, scope=a1)
        )
    ).status_code == 403
    elsewhere = await district.client.get(
        "/directives/issued", params={"division": "330108"}, headers=street
    )
    assert elsewhere.status_code == 403
    not_community = await district.client.get(
        "/directives/inbox", params={"division": district.streets[0]}, headers=street
    )
    assert not_community.status_code == 403
    forged = await district.client.get(
        "/directives/issued", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=street
    )
    assert forged.status_code == 422
    assert json.loads(forged.text)["errors"][0]["field"] == "query.cursor"
