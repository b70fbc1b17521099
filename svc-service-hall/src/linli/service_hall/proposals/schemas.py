"""Request and response bodies of proposals, comments, supports and moves."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from linli.common.divisions import DivisionCodeStr
from linli.service_hall.models.proposals import ProposalStatus
from linli.service_hall.proposals.machine import Move
from linli.service_hall.voice.photos import PhotoRead
from linli.service_hall.voice.text import Body, Category, CommentText, Reason, Title


class ProposalCreate(BaseModel):
    """A proposal to your community (residents), or to a street (its street admin)."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body
    category: Category = Field(examples=["environment.parking"])
    division_code: DivisionCodeStr | None = Field(
        default=None,
        description="Residents: your community (the default; another is 403). Street admins: "
        "the street (the default is your scope)",
    )


class Hidden(BaseModel):
    """Moderation on the record: when, by which role, and why."""

    at: datetime
    reason: str
    by_role: str


class ProposalRead(BaseModel):
    id: uuid.UUID
    division_code: str
    category: str
    title: str | None = Field(description="Null when hidden (the moderation says why)")
    body: str | None
    author_role: str
    author_name_masked: str | None
    status: ProposalStatus
    support_count: int
    support_threshold: int
    on_agenda_at: datetime | None
    answer: str | None
    hidden: Hidden | None
    supported_by_you: bool | None = Field(
        default=None, description="On a single proposal read by a resident"
    )
    allowed_moves: list[str]
    created_at: datetime
    updated_at: datetime


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    from_status: str | None
    to_status: str
    note: str | None
    actor_role: str
    actor_name_masked: str | None
    at: datetime


class ProposalDetail(ProposalRead):
    record: list[StepRead] = Field(description="Every move, answer, progress update, moderation")
    photos: list[PhotoRead]


class SupportRead(BaseModel):
    proposal_id: uuid.UUID
    support_count: int
    status: ProposalStatus
    counted: bool = Field(description="False: you had supported it already (counted once)")


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: CommentText
    parent_id: uuid.UUID | None = Field(default=None, description="The comment this replies to")


class CommentRead(BaseModel):
    id: uuid.UUID
    parent_id: uuid.UUID | None
    author_role: str
    author_name_masked: str | None
    body: str | None = Field(description="Null when hidden (the moderation says why)")
    hidden: Hidden | None
    created_at: datetime


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    move: Move
    answer: Body | None = Field(
        default=None, description="The answer to the residents: required to reject"
    )


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Body


class HideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
