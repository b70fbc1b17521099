"""What svc-funds does with the service hall's `proposal.adopted`: the adopted 议一议 proposal
becomes a proposed project of its community's fund, once per proposal.

The payload read (the hall's contract with funds, `cn.linli.service-hall.proposal.adopted.v1`
on the community's subject): `proposal_id` (uuid), `community_code` (12 digits), `title` (≤ 100
characters), `summary` (≤ 4,000). A community without a community fund cannot take it: the event
is dead-lettered as unprocessable, to be republished once the fund is opened.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.consumers import ConsumerSpec, UnprocessableEvent, handler
from linli.common.divisions import DivisionCodeStr
from linli.common.events import CloudEvent
from linli.funds.funds.repository import FundRepository
from linli.funds.models import ProjectOrigin
from linli.funds.projects import service
from linli.funds.text import Text, Title

HALL_ACTOR = "service-hall"


class ProposalAdopted(BaseModel):
    """The fields of the hall's event that funds reads (its own copy)."""

    type: Literal["cn.linli.service-hall.proposal.adopted.v1"]
    proposal_id: uuid.UUID
    community_code: DivisionCodeStr
    title: Title
    summary: Text


async def on_proposal_adopted(
    session: AsyncSession, adopted: ProposalAdopted, event: CloudEvent
) -> None:
    fund = await FundRepository(session).community_fund(adopted.community_code)
    if fund is None:
        raise UnprocessableEvent(
            f"community {adopted.community_code} has no community fund for proposal "
            f"{adopted.proposal_id}",
            errors=[
                {
                    "field": "community_code",
                    "message": "no community fund",
                    "type": "no_fund",
                }
            ],
        )
    # A redelivery under a new event id finds the proposal's project and adds nothing.
    await service.create(
        session,
        fund,
        title=adopted.title,
        summary=adopted.summary,
        origin=ProjectOrigin.HALL,
        proposed_by=HALL_ACTOR,
        hall_proposal_id=adopted.proposal_id,
    )


HALL_PROPOSALS_CONSUMER = ConsumerSpec.of(
    "funds-hall-proposals", handler(ProposalAdopted, on_proposal_adopted)
)
