"""Request and response shapes of claims, matches, pick-ups and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from linli.jobs_coop.clock import Moment
from linli.jobs_coop.models import TaskOrigin, TaskStatus

Quantity = Annotated[int, Strict(), Field(gt=0, le=10_000_000)]


class ClaimIn(BaseModel):
    """A claim (接单). A resident claims for themselves; a coordinator claims for a member who
    asked in person (`member_id`). `quantity` defaults to the order's batch size (or what is
    left, when less)."""

    model_config = ConfigDict(extra="forbid")

    quantity: Quantity | None = None
    member_id: uuid.UUID | None = None


class MatchIn(BaseModel):
    """A coordinator's one-to-one match: the next eligible member by the fair-share rule gets
    a batch. `at` is when the work would start (default now): only members available then are
    offered it."""

    model_config = ConfigDict(extra="forbid")

    quantity: Quantity | None = None
    at: Moment | None = None


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: Quantity


class Candidate(BaseModel):
    """An eligible member, in the order the fair-share rule offers work."""

    member_id: uuid.UUID
    name: str
    skill_level: int
    recent_fen: int = Field(description="Value of work handed to them in the last 30 days")
    recent_tasks: int
    last_task_at: datetime | None


class TaskRead(BaseModel):
    id: uuid.UUID
    work_order_id: uuid.UUID
    member_id: uuid.UUID
    community_code: str
    origin: TaskOrigin
    quantity: int
    delivered: int
    accepted: int
    rejected: int
    at_home: int = Field(description="Pieces the member holds: quantity − delivered + rejected")
    awaiting_inspection: int
    status: TaskStatus
    picked_up_at: datetime | None
    created_at: datetime


class DeliveryRead(BaseModel):
    id: uuid.UUID
    task_id: uuid.UUID
    quantity: int
    rework: int
    inspected: bool
    created_at: datetime
