"""Withdrawing a directive (撤回): the issuer only, once; the communities still at it closed as
withdrawn, no timer left, answers refused; the status board and the inbox say so."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.timers import Timer, TimerPoller
from linli.grid.directives.timers import DEADLINE_TIMER, REMINDER_TIMER
from linli.grid.models import Directive, DirectiveTarget

Auth = Any
District = Any
Sessions = async_sessionmaker[AsyncSession]
REASON = "区里统一部署调整，本指令撤回，另行通知"


async def _withdraw(
    district: District, directive_id: str, *, by: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    response: httpx.Response = await district.client.post(
        f"/directives/{directive_id}/withdraw",
        json=body or {"reason": REASON},
        headers=by or district.admin,
    )
    return response


async def test_withdrawal_closes_the_communities_still_at_it(
    district: District, sessionmaker: Sessions
) -> None:
    async with sessionmaker.begin() as session:
        # Timers of earlier tests' directives would fire too.
        await session.execute(delete(Timer))
    a1, a2, b1, b2 = district.communities
    made = await district.issued()
    directive_id = made["id"]
    assert (await district.acknowledge(directive_id, a1)).status_code == 200
    assert (await district.complete(directive_id, a1)).status_code == 200
    assert (await district.acknowledge(directive_id, a2)).status_code == 200

    withdrawn = await _withdraw(district, directive_id)
    assert withdrawn.status_code == 200, withdrawn.text
    answer = withdrawn.json()
    assert answer["withdrawn_at"] is not None
    assert answer["withdrawal_reason"] == REASON
    assert [u["state"] for u in answer["units"]] == [
        "completed",
        "withdrawn",
        "withdrawn",
        "withdrawn",
    ]

    status = await district.status(directive_id)
    assert status["total"] == {
        "targets": 4,
        "acknowledged": 2,
        "not_acknowledged": 0,
        "completed": 1,
        "not_completed": 0,
        "withdrawn": 3,
        "overdue": 0,
    }
    assert (status["withdrawn"], status["not_completed"], status["not_acknowledged"]) == (
        [a2, b1, b2],
        [],
        [],
    )
    assert [(s["street_code"], s["withdrawn"]) for s in status["streets"]] == [
        (district.streets[0], 1),
        (district.streets[1], 2),
    ]

    # Every target's subject and the issuer's carry it; the reason stays in the service.
    events = await district.events(directive_id, "directive.withdrawn")
    assert sorted((e["subject"], e["closed"]) for e in events) == sorted(
        [(district.subject(district.code, "withdrawn"), 3)]
        + [(district.subject(a1, "withdrawn"), 0)]
        + [(district.subject(c, "withdrawn"), 1) for c in (a2, b1, b2)]
    )
    assert all("reason" not in e for e in events)

    # The inbox shows it withdrawn.
    inbox = await district.client.get("/directives/inbox", headers=district.worker(b1))
    [item] = [i for i in inbox.json()["items"] if i["id"] == directive_id]
    assert (item["withdrawn_at"], item["unit"]["state"]) == (answer["withdrawn_at"], "withdrawn")

    # No answer, amendment or second withdrawal any more; nothing changes by trying.
    refused = [
        await district.acknowledge(directive_id, b1),
        await district.complete(directive_id, a2),
        await district.acknowledge(directive_id, a1),
        await _withdraw(district, directive_id, reason="再撤一次"),
        await district.client.patch(
            f"/directives/{directive_id}",
            json={"revision": 0, "title": "改"},
            headers=district.admin,
        ),
    ]
    for response in refused:
        assert response.status_code == 409, response.text
        assert response.json()["type"].endswith("directive-withdrawn")
    assert len(await district.events(directive_id, "directive.withdrawn")) == 5
    again = await district.status(directive_id)
    assert {**again, "as_of": None} == {**status, "as_of": None}

    # No timer is left: at the deadline nobody is reminded or reported overdue.
    async with sessionmaker() as session:
        timers = await session.scalar(select(func.count()).where(Timer.key == directive_id))
    assert timers == 0
    poller = TimerPoller(sessionmaker, [REMINDER_TIMER, DEADLINE_TIMER])
    assert await poller.fire_due(now=datetime.now(UTC) + timedelta(days=30)) == 0
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Directive)
            .where(Directive.id == uuid.UUID(directive_id))
            .values(deadline=datetime.now(UTC) - timedelta(seconds=1))
        )
    status = await district.status(directive_id)
    assert (status["overdue"], status["total"]["overdue"]) == ([], 0)
    assert await district.events(directive_id, "directive.overdue") == []
    assert await district.events(directive_id, "directive.reminder_due") == []


async def test_only_the_issuer_withdraws_and_bad_input_changes_nothing(
    district: District, auth: Auth, sessionmaker: Sessions
) -> None:
    a1, _, b1, _ = district.communities
    made = await district.issued()
    directive_id = made["id"]
    refusals: list[tuple[dict[str, str], int]] = [
        (district.worker(a1), 403),
        (district.street_admin(district.streets[0]), 403),
        (auth(Role.CITY_ADMIN, scope=district.code[:4]), 403),
        (auth(Role.AUDITOR, scope=district.code), 403),
        (auth(Role.RESIDENT, scope=b1), 403),
        (auth(Role.DISTRICT_ADMIN, scope=f"{district.code[:4]}99"), 404),
    ]
    for who, expected in refusals:
        response = await _withdraw(district, directive_id, by=who)
        assert response.status_code == expected, (who, response.text)
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await _withdraw(district, unknown)).status_code == 404
    for body in (
        {"reason": ""},
        {"reason": "   "},
        {"reason": "撤\u0000回"},
        {"reason": "因" * 501},
        {"reason": 42},
        {"reason": REASON, "notify": False},
        {"why": REASON},
    ):
        response = await district.client.post(
            f"/directives/{directive_id}/withdraw", json=body, headers=district.admin
        )
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    async with sessionmaker() as session:
        directive = await session.get(Directive, uuid.UUID(directive_id))
        closed = await session.scalar(
            select(func.count()).where(
                DirectiveTarget.directive_id == uuid.UUID(directive_id),
                DirectiveTarget.withdrawn_at.is_not(None),
            )
        )
    assert directive is not None and directive.withdrawn_at is None
    assert closed == 0
    assert await district.events(directive_id, "directive.withdrawn") == []
    # Still open: the community answers as before.
    assert (await district.acknowledge(directive_id, a1)).status_code == 200


async def test_a_withdrawal_racing_completions_leaves_each_community_one_or_the_other(
    district: District,
) -> None:
    made = await district.issued()
    directive_id = made["id"]
    for community in district.communities:
        assert (await district.acknowledge(directive_id, community)).status_code == 200
    answers = await asyncio.gather(
        _withdraw(district, directive_id),
        *(district.complete(directive_id, c) for c in district.communities),
    )
    assert answers[0].status_code == 200, answers[0].text
    completed = {
        c for c, r in zip(district.communities, answers[1:], strict=True) if r.status_code == 200
    }
    assert all(r.status_code in (200, 409) for r in answers[1:])
    status = await district.status(directive_id)
    states = {u["community_code"]: u["state"] for u in status["units"]}
    assert {c for c, s in states.items() if s == "completed"} == completed
    assert {c for c, s in states.items() if s == "withdrawn"} == set(
        district.communities
    ) - completed
    [issuer_copy] = [
        e
        for e in await district.events(directive_id, "directive.withdrawn")
        if e["copy_on"] == "issuer"
    ]
    assert issuer_copy["closed"] == 4 - len(completed)
