"""Events of proposals, on the subject of the proposal's division (a street's proposal on the
street's, with `_` for the community token).

Payloads carry ids, codes, the status and counts, never a name or a comment's text; the one
exception is `proposal.adopted`, svc-funds' contract: it hands the proposal to its division's
general fund (a community's to the community fund, a street's to the street fund, found by
`proposal_division_code`) as a project with its title and summary (phone and ID numbers masked).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class _ProposalEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "proposal"

    # A street's proposal belongs to no one community.
    community_code: str | None = Field(  # type: ignore[assignment]
        description="12-digit code of the proposal's community; null for a street's proposal"
    )
    proposal_division_code: str = Field(
        description="The proposal's division (12 or 9 digits): whose fund takes it when adopted"
    )
    proposal_id: uuid.UUID
    status: str = Field(description="The proposal's status after this change")
    at: datetime

    def division_code(self) -> str:
        return self.proposal_division_code


class ProposalSubmitted(_ProposalEvent):
    """A proposal was put up for discussion."""

    verb: ClassVar[str] = "submitted"
    type: Literal["cn.linli.service-hall.proposal.submitted.v1"] = (
        "cn.linli.service-hall.proposal.submitted.v1"
    )
    category: str
    author_role: str
    support_threshold: int


class ProposalSupported(_ProposalEvent):
    """A resident supported the proposal (once per resident)."""

    verb: ClassVar[str] = "supported"
    type: Literal["cn.linli.service-hall.proposal.supported.v1"] = (
        "cn.linli.service-hall.proposal.supported.v1"
    )
    support_count: int


class ProposalTakenUp(_ProposalEvent):
    """The proposal is on the agenda (列入议程): its supports reached the threshold, or staff
    took it up; it is under review."""

    verb: ClassVar[str] = "taken_up"
    type: Literal["cn.linli.service-hall.proposal.taken_up.v1"] = (
        "cn.linli.service-hall.proposal.taken_up.v1"
    )
    support_count: int
    by_threshold: bool


class ProposalAdopted(_ProposalEvent):
    """The proposal was adopted: svc-funds makes it a proposed project of the general fund of
    `proposal_division_code` (a community's fund, or a street's for a street's proposal)."""

    verb: ClassVar[str] = "adopted"
    type: Literal["cn.linli.service-hall.proposal.adopted.v1"] = (
        "cn.linli.service-hall.proposal.adopted.v1"
    )
    title: str = Field(max_length=100)
    summary: str = Field(max_length=4000)
    support_count: int


class ProposalStarted(_ProposalEvent):
    """Work on the adopted proposal began."""

    verb: ClassVar[str] = "started"
    type: Literal["cn.linli.service-hall.proposal.started.v1"] = (
        "cn.linli.service-hall.proposal.started.v1"
    )


class ProposalCompleted(_ProposalEvent):
    """The adopted proposal is done."""

    verb: ClassVar[str] = "completed"
    type: Literal["cn.linli.service-hall.proposal.completed.v1"] = (
        "cn.linli.service-hall.proposal.completed.v1"
    )


class ProposalRejected(_ProposalEvent):
    """The proposal was not adopted; its answer is on the record."""

    verb: ClassVar[str] = "rejected"
    type: Literal["cn.linli.service-hall.proposal.rejected.v1"] = (
        "cn.linli.service-hall.proposal.rejected.v1"
    )


class ProposalProgressed(_ProposalEvent):
    """Staff told the progress of an adopted proposal."""

    verb: ClassVar[str] = "progressed"
    type: Literal["cn.linli.service-hall.proposal.progressed.v1"] = (
        "cn.linli.service-hall.proposal.progressed.v1"
    )


class ProposalCommented(_ProposalEvent):
    """Someone commented on the proposal, or replied to a comment."""

    verb: ClassVar[str] = "commented"
    type: Literal["cn.linli.service-hall.proposal.commented.v1"] = (
        "cn.linli.service-hall.proposal.commented.v1"
    )
    comment_id: uuid.UUID
    parent_id: uuid.UUID | None
    author_role: str


class ProposalHidden(_ProposalEvent):
    """A moderator hid the proposal, or one of its comments (`comment_id`), with a reason."""

    verb: ClassVar[str] = "hidden"
    type: Literal["cn.linli.service-hall.proposal.hidden.v1"] = (
        "cn.linli.service-hall.proposal.hidden.v1"
    )
    comment_id: uuid.UUID | None
    moderator_role: str


ProposalEvent = (
    ProposalSubmitted
    | ProposalSupported
    | ProposalTakenUp
    | ProposalAdopted
    | ProposalStarted
    | ProposalCompleted
    | ProposalRejected
    | ProposalProgressed
    | ProposalCommented
    | ProposalHidden
)
