"""Request and response bodies of assignments and duty shifts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.grid.text import Name, Subject

MAX_SHIFT = timedelta(days=7)


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="The worker's name, stored and shown masked")


class WorkerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    grid_id: uuid.UUID
    worker_subject: str
    name_masked: str
    assigned_at: datetime


class ShiftIn(BaseModel):
    """A shift of a grid's worker, or (no `grid_id`) of the community's duty worker."""

    model_config = ConfigDict(extra="forbid")

    grid_id: uuid.UUID | None = None
    community_code: CommunityCodeStr | None = Field(
        default=None, description="For a community shift (no grid)"
    )
    worker_subject: Subject
    worker_name: Name
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if (self.grid_id is None) == (self.community_code is None):
            raise InvalidValue(
                "give grid_id (a grid's shift) or community_code (the community's), not both",
                "须提供 grid_id（网格值班）或 community_code（社区值班）之一",
            )
        if not self.starts_at < self.ends_at <= self.starts_at + MAX_SHIFT:
            raise InvalidValue(
                "a shift ends after it starts, at most 7 days later",
                "值班结束时间须晚于开始时间，且不超过 7 天",
            )
        return self


class ShiftRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    grid_id: uuid.UUID | None
    worker_subject: str
    worker_name_masked: str
    starts_at: datetime
    ends_at: datetime


class OnDutyRead(BaseModel):
    """Who answers an alarm in the grid now."""

    grid_id: uuid.UUID
    worker_subject: str
    worker_name_masked: str
    until: datetime
    fallback: bool = Field(description="True: nobody on the grid's roster, the community's worker")
