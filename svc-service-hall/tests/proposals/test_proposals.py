"""议一议 through the hall's API: who proposes and sees what, one support per resident under
concurrency, the threshold to the agenda, the course with its answers, comments with replies,
moderation on the record, and the events (adopted as svc-funds reads it)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.service_hall.models.proposals import ProposalSupport
from linli.testing import OutboxReader

Auth = Any


async def propose(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {
        "title": "小区东门增设非机动车充电桩",
        "body": "电瓶车楼道充电有火灾隐患，建议在东门空地建集中充电棚。",
        "category": "safety.charging",
        **fields,
    }
    response = await client.post("/proposals", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def of(outbox: OutboxReader, kind: str, proposal_id: str) -> list[dict[str, Any]]:
    return [d for d in await outbox.data(kind) if d["proposal_id"] == proposal_id]


async def test_residents_propose_in_their_community_and_a_street_to_its_communities(
    client: httpx.AsyncClient, auth: Auth, community_code: str, street_code: str
) -> None:
    resident = auth(Role.RESIDENT, scope=community_code, name="王小明")
    mine = await propose(client, resident)
    assert mine["division_code"] == community_code
    assert mine["status"] == "discussing"
    assert mine["author_name_masked"] == "王**"
    assert mine["record"][0]["action"] == "submit"
    elsewhere = await client.post(
        "/proposals",
        json={"title": "t", "body": "b", "category": "a.b", "division_code": "330108999001"},
        headers=resident,
    )
    assert elsewhere.status_code == 403

    street = await propose(client, auth(Role.STREET_ADMIN, scope=street_code))
    assert street["division_code"] == street_code
    neighbour_community = auth(Role.RESIDENT, scope=f"{street_code}002")
    listed = await client.get("/proposals", headers=neighbour_community)
    assert [p["id"] for p in listed.json()["items"]] == [street["id"]]
    assert (
        await client.get(f"/proposals/{mine['id']}", headers=neighbour_community)
    ).status_code == 404
    outsider = auth(Role.RESIDENT, scope="330108999001")
    assert (await client.get(f"/proposals/{street['id']}", headers=outsider)).status_code == 404
    assert (await client.get("/proposals", headers=outsider)).json()["items"] == []
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    seen = {p["id"] for p in (await client.get("/proposals", headers=worker)).json()["items"]}
    assert seen == {mine["id"], street["id"]}
    other_street = await client.get(
        "/proposals", params={"division": "330108999"}, headers=resident
    )
    assert other_street.status_code == 403


async def test_500_concurrent_supports_by_500_residents_count_exactly_500_and_a_repeat_once(
    client: httpx.AsyncClient,
    auth: Auth,
    community_code: str,
    outbox: OutboxReader,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    proposal = await propose(client, auth(Role.RESIDENT, scope=community_code))
    path = f"/proposals/{proposal['id']}/supports"
    residents = [auth(Role.RESIDENT, scope=community_code) for _ in range(500)]
    # Every tenth resident presses twice, at the same moment.
    requests = [*residents, *residents[::10]]
    answers = await asyncio.gather(*(client.post(path, headers=h) for h in requests))
    assert {a.status_code for a in answers} == {200}
    assert sum(a.json()["counted"] for a in answers) == 500

    read = (await client.get(f"/proposals/{proposal['id']}", headers=residents[0])).json()
    assert read["support_count"] == 500
    assert read["supported_by_you"] is True
    async with sessionmaker() as session:
        rows = await session.scalar(
            select(func.count()).where(ProposalSupport.proposal_id == uuid.UUID(proposal["id"]))
        )
    assert rows == 500
    assert len(await of(outbox, "proposal.supported", proposal["id"])) == 500
    # The 20th support took it up onto the agenda, once.
    [taken] = await of(outbox, "proposal.taken_up", proposal["id"])
    assert taken["by_threshold"] is True
    assert taken["support_count"] == 20
    assert read["status"] == "under_review"
    agenda = await client.get("/proposals", params={"agenda": "true"}, headers=residents[0])
    assert proposal["id"] in [p["id"] for p in agenda.json()["items"]]
    again = await client.post(path, headers=residents[1])
    assert again.json() == {
        "proposal_id": proposal["id"],
        "support_count": 500,
        "status": "under_review",
        "counted": False,
    }
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    assert (await client.post(path, headers=staff)).status_code == 403


async def test_the_course_to_done_with_progress_and_adoption_handed_to_funds(
    client: httpx.AsyncClient, auth: Auth, community_code: str, outbox: OutboxReader
) -> None:
    proposal = await propose(
        client, auth(Role.RESIDENT, scope=community_code), body="请联系13812345678"
    )
    moves = f"/proposals/{proposal['id']}/moves"
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code, name="赵六")

    early = await client.post(moves, json={"move": "adopt"}, headers=worker)
    assert early.status_code == 409
    assert early.json()["state"] == "discussing"
    assert early.json()["allowed"] == ["review", "reject"]
    # The kernel's illegal move, titled for a proposal, names the allowed moves in words too.
    assert early.json()["type"] == "https://linli.dev/problems/illegal-move"
    assert early.json()["title"] == "Not allowed in the proposal's current state"
    assert early.json()["detail"] == (
        "cannot adopt a proposal that is discussing; allowed: review, reject"
    )
    street = auth(Role.STREET_ADMIN, scope=community_code[:9])
    assert (await client.post(moves, json={"move": "review"}, headers=street)).status_code == 403
    too_early = await client.post(
        f"/proposals/{proposal['id']}/progress", json={"note": "x"}, headers=worker
    )
    assert too_early.status_code == 409

    for move, state in (("review", "under_review"), ("adopt", "adopted"), ("start", "in_progress")):
        response = await client.post(moves, json={"move": move}, headers=worker)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == state
    updated = await client.post(
        f"/proposals/{proposal['id']}/progress", json={"note": "充电棚已完成招标"}, headers=worker
    )
    assert updated.status_code == 200
    done = await client.post(moves, json={"move": "complete"}, headers=worker)
    assert done.json()["status"] == "done"
    assert done.json()["allowed_moves"] == []
    assert [(s["action"], s["to_status"]) for s in done.json()["record"]] == [
        ("submit", "discussing"),
        ("take_up", "under_review"),
        ("adopt", "adopted"),
        ("start", "in_progress"),
        ("progress", "in_progress"),
        ("complete", "done"),
    ]
    assert done.json()["record"][4]["note"] == "充电棚已完成招标"
    assert done.json()["record"][2]["actor_name_masked"] == "赵*"

    [adopted] = await of(outbox, "proposal.adopted", proposal["id"])
    # svc-funds' contract: proposal id, community code, title (≤ 100), summary (≤ 4,000).
    assert adopted["community_code"] == community_code
    assert adopted["title"] == proposal["title"]
    assert adopted["summary"] == "请联系138****5678"
    assert "13812345678" not in str(await outbox.data("proposal.adopted"))
    comment = await client.post(
        f"/proposals/{proposal['id']}/comments", json={"body": "太好了"}, headers=worker
    )
    assert comment.status_code == 409


async def test_not_adopted_needs_an_answer_and_closes_the_discussion(
    client: httpx.AsyncClient, auth: Auth, community_code: str
) -> None:
    resident = auth(Role.RESIDENT, scope=community_code)
    proposal = await propose(client, resident)
    moves = f"/proposals/{proposal['id']}/moves"
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    bare = await client.post(moves, json={"move": "reject"}, headers=worker)
    assert bare.status_code == 422
    assert (await client.get(f"/proposals/{proposal['id']}", headers=resident)).json()[
        "status"
    ] == "discussing"
    answered = await client.post(
        moves, json={"move": "reject", "answer": "东门空地属消防通道，不能建棚"}, headers=worker
    )
    assert answered.status_code == 200
    assert answered.json()["status"] == "not_adopted"
    assert answered.json()["answer"] == "东门空地属消防通道，不能建棚"
    late = await client.post(
        f"/proposals/{proposal['id']}/comments", json={"body": "那改到西门？"}, headers=resident
    )
    assert late.status_code == 409
    assert (
        await client.post(f"/proposals/{proposal['id']}/supports", headers=resident)
    ).status_code == 409


async def test_comments_replies_and_moderation_on_the_record(
    client: httpx.AsyncClient, auth: Auth, community_code: str, outbox: OutboxReader
) -> None:
    author = auth(Role.RESIDENT, scope=community_code, name="王小明")
    neighbour = auth(Role.RESIDENT, scope=community_code, name="李大妈")
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    proposal = await propose(client, author)
    comments = f"/proposals/{proposal['id']}/comments"
    first = (
        await client.post(comments, json={"body": "赞成，东门停车太乱"}, headers=neighbour)
    ).json()
    reply = await client.post(
        comments, json={"body": "同意", "parent_id": first["id"]}, headers=author
    )
    assert reply.status_code == 201
    assert reply.json()["parent_id"] == first["id"]
    rude = (await client.post(comments, json={"body": "广告：代办证件"}, headers=neighbour)).json()
    stranger = await client.post(
        comments, json={"body": "x", "parent_id": str(uuid.uuid4())}, headers=author
    )
    assert stranger.status_code == 404
    assert (await client.post(comments, json={"body": ""}, headers=author)).status_code == 422

    hide = f"{comments}/{rude['id']}/hide"
    assert (await client.post(hide, json={"reason": "广告"}, headers=neighbour)).status_code == 403
    assert (await client.post(hide, json={"reason": "广告"}, headers=worker)).status_code == 204
    listed = (await client.get(comments, headers=author)).json()
    hidden = next(c for c in listed if c["id"] == rude["id"])
    assert hidden["body"] is None
    assert hidden["hidden"]["reason"] == "广告"
    assert hidden["hidden"]["by_role"] == "community_worker"
    assert [c["id"] for c in listed] == [first["id"], reply.json()["id"], rude["id"]]
    replying = await client.post(
        comments, json={"body": "?", "parent_id": rude["id"]}, headers=author
    )
    assert replying.status_code == 409

    await client.post(
        f"/proposals/{proposal['id']}/hide", json={"reason": "涉及个人隐私"}, headers=worker
    )
    read = (await client.get(f"/proposals/{proposal['id']}", headers=neighbour)).json()
    assert read["title"] is None and read["body"] is None
    assert read["hidden"]["reason"] == "涉及个人隐私"
    assert [s["action"] for s in read["record"]][-2:] == ["hide_comment", "hide"]
    staff_view = (await client.get(f"/proposals/{proposal['id']}", headers=worker)).json()
    assert staff_view["title"] == proposal["title"]
    assert (await client.post(comments, json={"body": "还在吗"}, headers=author)).status_code == 409
    assert (
        await client.post(f"/proposals/{proposal['id']}/supports", headers=author)
    ).status_code == 409
    events = await of(outbox, "proposal.commented", proposal["id"])
    assert len(events) == 3
    assert "赞成" not in str(events) and "王" not in str(events)


async def test_a_street_proposal_adopted_names_the_street_for_its_fund(
    client: httpx.AsyncClient, auth: Auth, street_code: str, outbox: OutboxReader
) -> None:
    street = auth(Role.STREET_ADMIN, scope=street_code, name="钱主任")
    proposal = await propose(client, street)
    moves = f"/proposals/{proposal['id']}/moves"
    for move in ("review", "adopt"):
        response = await client.post(moves, json={"move": move}, headers=street)
        assert response.status_code == 200, response.text
    [adopted] = await of(outbox, "proposal.adopted", proposal["id"])
    # svc-funds hands it to the street's fund: the proposal's division, no community.
    assert (adopted["proposal_division_code"], adopted["community_code"]) == (street_code, None)
    assert adopted["title"] == proposal["title"]
