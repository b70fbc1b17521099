"""What svc-funds does with the service hall's `proposal.adopted`: the adopted 议一议 proposal
becomes a proposed project of its division's general fund, once per proposal: a community's
proposal goes to the community fund, a street's proposal to the street fund.

The payload read (the hall's contract with funds, `cn.linli.service-hall.proposal.adopted.v1`
on the proposal's division's subject): `proposal_id` (uuid), `proposal_division_code` (12 or 9
digits), `community_code` (12 digits, null for a street's proposal), `title` (≤ 100 characters),
`summary` (≤ 4,000). `proposal_division_code` is read first; an event without it (from a hall
older than this contract) is a community's, read from `community_code`. A division without a
general fund cannot take it: the event is dead-lettered as unprocessable, to be republished once
the fund is opened.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, model_validator
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
    # A street's proposal belongs to no one community: its event has community_code null.
    community_code: DivisionCodeStr | None = None
    proposal_division_code: DivisionCodeStr | None = None
    title: Title
    summary: Text

    @model_validator(mode="after")
    def _has_a_division(self) -> ProposalAdopted:
        if self.proposal_division_code is None and self.community_code is None:
            raise ValueError("proposal_division_code or community_code is required")
        return self

    @property
    def division(self) -> str:
        """The proposal's division: its own code, else (an older event) its community's."""
        division = self.proposal_division_code or self.community_code
        assert division is not None  # the validator saw to it
        return division


async def on_proposal_adopted(
    session: AsyncSession, adopted: ProposalAdopted, event: CloudEvent
) -> None:
    division = adopted.division
    fund = await FundRepository(session).general_fund(division)
    if fund is None:
        level = {12: "community", 9: "street"}.get(len(division))
        message = f"no {level} fund" if level else "no general fund at this level"
        raise UnprocessableEvent(
            f"{level or 'division'} {division} has {message} for proposal {adopted.proposal_id}",
            errors=[
                {
                    "field": "proposal_division_code",
                    "message": message,
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
