"""The hall's `proposal.adopted` becomes a proposed project of the community's fund, once per
proposal however often it comes; a community without a fund dead-letters it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.consumers import UnprocessableEvent
from linli.common.events import CloudEvent
from linli.funds.models import Project
from linli.funds.projects.handlers import HALL_PROPOSALS_CONSUMER
from linli.testing import OutboxReader

Sessions = async_sessionmaker[AsyncSession]
FundFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]
TYPE = "cn.linli.service-hall.proposal.adopted.v1"


def adopted(
    proposal_id: uuid.UUID, community_code: str | None = "330108001001", **data: Any
) -> CloudEvent:
    body = {
        "type": TYPE,
        "proposal_id": str(proposal_id),
        "community_code": community_code,
        "title": "加装楼道扶手",
        "summary": "议一议通过：为3幢老人加装楼道扶手。",
        **data,
    }
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/service-hall",
        type=TYPE,
        subject=str(proposal_id),
        time=datetime.now(UTC),
        data=body,
    )


async def apply(sessionmaker: Sessions, event: CloudEvent) -> None:
    async with sessionmaker.begin() as session:
        await HALL_PROPOSALS_CONSUMER.handler(session, event)


async def test_an_adopted_proposal_becomes_one_project_of_the_community_fund(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    create_fund: FundFactory,
    staff: Headers,
    outbox: OutboxReader,
) -> None:
    assert HALL_PROPOSALS_CONSUMER.filter_subjects == [
        "linli.*.*.*.*.service-hall.proposal.adopted"
    ]
    fund = await create_fund(quorum=1)
    proposal_id = uuid.uuid4()
    await apply(sessionmaker, adopted(proposal_id))
    # Redelivered under another event id (an outbox retry after JetStream's window).
    await apply(sessionmaker, adopted(proposal_id))

    [project] = (await client.get(f"/funds/{fund['id']}/projects")).json()["items"]
    assert (project["origin"], project["hall_proposal_id"], project["status"]) == (
        "hall",
        str(proposal_id),
        "proposed",
    )
    assert (project["title"], project["budget_fen"]) == ("加装楼道扶手", None)
    [proposed] = await outbox.data("project.proposed")
    assert proposed["hall_proposal_id"] == str(proposal_id)

    # Staff give it the budget the committee then votes on.
    budget = await client.put(
        f"/projects/{project['id']}/budget", json={"budget_fen": 80_000}, headers=staff()
    )
    assert budget.status_code == 409  # no serving member could approve it yet
    assert budget.json()["type"].endswith("/committee-too-small")


async def test_a_community_without_a_fund_or_an_unreadable_proposal_is_dead_lettered(
    sessionmaker: Sessions, create_fund: FundFactory
) -> None:
    with pytest.raises(UnprocessableEvent, match="no community fund"):
        await apply(sessionmaker, adopted(uuid.uuid4(), community_code="330108002001"))
    await create_fund()
    with pytest.raises(UnprocessableEvent, match="title"):
        await apply(sessionmaker, adopted(uuid.uuid4(), title="x" * 101))
    with pytest.raises(UnprocessableEvent, match="summary"):
        await apply(sessionmaker, adopted(uuid.uuid4(), summary="电话13912345678"))
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Project)) == 0


async def test_a_street_proposal_goes_to_the_street_fund_not_a_community_fund(
    client: httpx.AsyncClient, sessionmaker: Sessions, create_fund: FundFactory
) -> None:
    community = await create_fund()  # of 330108001001, a community of the street
    street_proposal = uuid.uuid4()
    # The hall's event of a street's proposal: no community, the proposal's division code.
    event = adopted(street_proposal, community_code=None, proposal_division_code="330108001")
    with pytest.raises(UnprocessableEvent, match="no street fund"):
        await apply(sessionmaker, event)
    assert (await client.get(f"/funds/{community['id']}/projects")).json()["items"] == []

    street = await create_fund(division_code="330108001", name="东信街道基金")
    await apply(sessionmaker, event)
    [project] = (await client.get(f"/funds/{street['id']}/projects")).json()["items"]
    assert (project["hall_proposal_id"], project["status"]) == (str(street_proposal), "proposed")
    assert (await client.get(f"/funds/{community['id']}/projects")).json()["items"] == []

    # A community's proposal names its division too; an event naming neither is unreadable.
    await apply(
        sessionmaker,
        adopted(uuid.uuid4(), community_code="330108001001", proposal_division_code="330108001001"),
    )
    assert len((await client.get(f"/funds/{community['id']}/projects")).json()["items"]) == 1
    with pytest.raises(UnprocessableEvent, match="invalid data"):
        await apply(sessionmaker, adopted(uuid.uuid4(), community_code=None))
