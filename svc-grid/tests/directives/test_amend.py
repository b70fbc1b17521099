"""Amending a directive (修改): the issuer only, against the revision it read, every amendment
kept and heard of by every target community; bad input refused with nothing changed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.grid.models import Directive, DirectiveRevision

Auth = Any
District = Any
Sessions = async_sessionmaker[AsyncSession]


async def _amend(
    district: District, directive_id: str, *, by: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    response: httpx.Response = await district.client.patch(
        f"/directives/{directive_id}", json=body, headers=by or district.admin
    )
    return response


def _in(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def test_the_issuer_amends_and_every_target_hears_of_it(
    district: District, sessionmaker: Sessions
) -> None:
    a1, a2, b1, b2 = district.communities
    made = await district.issued()
    directive_id = made["id"]
    assert (made["revision"], made["amended_at"]) == (0, None)

    amended = await _amend(
        district,
        directive_id,
        revision=0,
        title="开展消防安全隐患排查（更正）",
        body="请各社区于截止前完成高层住宅楼道及地下车库的消防隐患排查。",
    )
    assert amended.status_code == 200, amended.text
    answer = amended.json()
    assert answer["revision"] == 1
    assert answer["amended_at"] is not None
    assert answer["title"] == "开展消防安全隐患排查（更正）"
    assert answer["body"].endswith("地下车库的消防隐患排查。")
    assert answer["deadline"] == made["deadline"]

    # The revision is kept: who, when, each changed field before and after.
    history = await district.client.get(
        f"/directives/{directive_id}/revisions", headers=district.worker(b1)
    )
    assert history.status_code == 200, history.text
    [revision] = history.json()["items"]
    assert revision["revision"] == 1
    assert revision["fields"] == ["title", "body"]
    assert revision["old_values"] == {"title": made["title"], "body": made["body"]}
    assert revision["new_values"] == {"title": answer["title"], "body": answer["body"]}
    assert revision["amended_by_subject"] == district.admin_subject
    assert revision["amended_by_role"] == "district_admin"
    async with sessionmaker() as session:
        stored = await session.scalar(
            select(func.count()).where(DirectiveRevision.directive_id == uuid.UUID(directive_id))
        )
    assert stored == 1

    # Every target community's subject, and the issuer's, carries it: the fields, not the body.
    events = await district.events(directive_id, "directive.amended")
    assert sorted(e["subject"] for e in events) == sorted(
        [district.subject(district.code, "amended")]
        + [district.subject(c, "amended") for c in (a1, a2, b1, b2)]
    )
    assert {(e["revision"], tuple(e["fields"])) for e in events} == {(1, ("title", "body"))}
    assert {e["title"] for e in events} == {answer["title"]}
    assert all("body" not in e for e in events)

    # The inbox and the detail show the counter.
    inbox = await district.client.get("/directives/inbox", headers=district.worker(a2))
    [item] = [i for i in inbox.json()["items"] if i["id"] == directive_id]
    assert (item["revision"], item["amended_at"], item["title"]) == (
        1,
        answer["amended_at"],
        answer["title"],
    )

    # Written against revision 0 when it is at 1: 409, the current revision named.
    stale = await _amend(district, directive_id, revision=0, title="另一个标题")
    assert stale.status_code == 409, stale.text
    assert stale.json()["type"].endswith("directive-revision-mismatch")
    assert stale.json()["revision"] == 1
    # Sending back what is there changes nothing: no revision, no event.
    same = await _amend(
        district, directive_id, revision=1, title=answer["title"], deadline=answer["deadline"]
    )
    assert same.status_code == 200, same.text
    assert same.json()["revision"] == 1
    assert len(await district.events(directive_id, "directive.amended")) == 5
    read = await district.client.get(f"/directives/{directive_id}", headers=district.admin)
    assert (read.json()["revision"], read.json()["title"]) == (1, answer["title"])

    # A second amendment against the right revision: the deadline and the reminder.
    deadline = _in(days=5)
    moved = await _amend(district, directive_id, revision=1, deadline=deadline)
    assert moved.status_code == 200, moved.text
    assert moved.json()["revision"] == 2
    # The reminder keeps its lead on the deadline (24 hours by default).
    assert datetime.fromisoformat(moved.json()["deadline"]) - datetime.fromisoformat(
        moved.json()["remind_at"]
    ) == timedelta(hours=24)
    history = await district.client.get(
        f"/directives/{directive_id}/revisions", params={"limit": 1}, headers=district.admin
    )
    assert [r["revision"] for r in history.json()["items"]] == [1]
    after = await district.client.get(
        f"/directives/{directive_id}/revisions",
        params={"cursor": history.json()["next_cursor"]},
        headers=district.admin,
    )
    [second] = after.json()["items"]
    assert second["fields"] == ["deadline", "remind_at"]
    assert second["old_values"]["deadline"] == made["deadline"]
    assert datetime.fromisoformat(second["new_values"]["deadline"]) == datetime.fromisoformat(
        deadline
    )
    moved_events = [
        e for e in await district.events(directive_id, "directive.amended") if e["revision"] == 2
    ]
    assert len(moved_events) == 5
    assert {e["previous_deadline"] for e in moved_events} == {made["deadline"]}


async def test_only_the_issuing_unit_amends_and_bad_input_changes_nothing(
    district: District, auth: Auth, sessionmaker: Sessions
) -> None:
    a1, _, b1, _ = district.communities
    made = await district.issued()
    directive_id = made["id"]
    deadline = made["deadline"]

    async def unchanged() -> None:
        async with sessionmaker() as session:
            directive = await session.get(Directive, uuid.UUID(directive_id))
            revisions = await session.scalar(
                select(func.count()).where(
                    DirectiveRevision.directive_id == uuid.UUID(directive_id)
                )
            )
        assert directive is not None
        assert (directive.revision, directive.title, directive.amended_at) == (
            0,
            made["title"],
            None,
        )
        assert directive.deadline == datetime.fromisoformat(deadline)
        assert revisions == 0
        assert await district.events(directive_id, "directive.amended") == []

    refusals: list[tuple[dict[str, str], int]] = [
        # Those who see it without having issued it.
        (district.worker(a1), 403),
        (district.street_admin(district.streets[0]), 403),
        (auth(Role.CITY_ADMIN, scope=district.code[:4]), 403),
        (auth(Role.AUDITOR, scope=district.code), 403),
        # A district admin's role with a street's scope is no issuer of a district's directive.
        (auth(Role.DISTRICT_ADMIN, scope=district.streets[1]), 403),
        # Roles that never read directives.
        (auth(Role.RESIDENT, scope=b1), 403),
        (auth(Role.GRID_WORKER, scope=a1), 403),
        # Another district: as if it did not exist.
        (auth(Role.DISTRICT_ADMIN, scope=f"{district.code[:4]}99"), 404),
    ]
    for who, expected in refusals:
        response = await _amend(district, directive_id, by=who, revision=0, title="改")
        assert response.status_code == expected, (who, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await _amend(district, unknown, revision=0, title="改")).status_code == 404

    invalid: list[tuple[dict[str, Any], str]] = [
        ({"revision": 0, "deadline": _in(minutes=-1)}, "body.deadline"),
        ({"revision": 0, "deadline": "2026-12-31T12:00:00"}, "body.deadline"),
        ({"revision": 0, "remind_at": _in(minutes=-1)}, "body.remind_at"),
        ({"revision": 0, "remind_at": _in(days=4)}, "body.remind_at"),
        ({"revision": 0, "deadline": _in(hours=2), "remind_at": _in(hours=3)}, "body.remind_at"),
        ({"revision": 0, "title": None}, "body.title"),
        ({"revision": 0, "deadline": None}, "body.deadline"),
        ({"revision": 0}, "body"),
        ({"title": "改"}, "body.revision"),
        ({"revision": -1, "title": "改"}, "body.revision"),
        ({"revision": 2**40, "title": "改"}, "body.revision"),
        ({"revision": "0; drop table directives", "title": "改"}, "body.revision"),
        ({"revision": 0, "title": "令" * 201}, "body.title"),
        ({"revision": 0, "title": "a\u0000b"}, "body.title"),
        ({"revision": 0, "body": "x\u0000"}, "body.body"),
        ({"revision": 0, "body": "   "}, "body.body"),
        ({"revision": 0, "body": "长" * 10_001}, "body.body"),
        ({"revision": 0, "communities": [a1]}, "body.communities"),
    ]
    for body, field in invalid:
        response = await _amend(district, directive_id, **body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        fields = [e["field"] for e in response.json().get("errors", [])]
        assert any(f == field or f.startswith(field + ".") for f in fields), (body, fields)
    broken = await district.client.patch(
        f"/directives/{directive_id}",
        content=b"{not json",
        headers={**district.admin, "content-type": "application/json"},
    )
    assert broken.status_code == 422, broken.text
    assert (
        await district.client.patch(
            "/directives/not-a-uuid", json={"revision": 0, "title": "改"}, headers=district.admin
        )
    ).status_code == 422
    await unchanged()

    # A street's own directive is amended by that street's admin, not by the district above.
    street = district.street_admin(district.streets[0])
    own = await district.issued(by=street, communities=[a1])
    assert (
        await _amend(district, own["id"], by=district.admin, revision=0, title="改")
    ).status_code == 403
    mine = await _amend(district, own["id"], by=street, revision=0, title="改")
    assert mine.status_code == 200, mine.text


async def test_two_editors_at_once_one_wins_the_other_is_told(district: District) -> None:
    made = await district.issued()
    directive_id = made["id"]
    answers = await asyncio.gather(
        *(_amend(district, directive_id, revision=0, title=f"第{n}版标题") for n in range(8))
    )
    assert sorted(r.status_code for r in answers) == [200] + [409] * 7
    [winner] = [r.json() for r in answers if r.status_code == 200]
    history = await district.client.get(
        f"/directives/{directive_id}/revisions", headers=district.admin
    )
    assert [(r["revision"], r["new_values"]["title"]) for r in history.json()["items"]] == [
        (1, winner["title"])
    ]
    assert len(await district.events(directive_id, "directive.amended")) == 5
