"""What the home visits' API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from linli.service_hall.models import HomeVisitStatus


class HomeVisitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: uuid.UUID
    resident_id: uuid.UUID | None = Field(
        default=None, description="Workers: the resident visited (residents ask for themselves)"
    )
    note: str | None = Field(default=None, max_length=1000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_subject: str = Field(min_length=1, max_length=128, description="The worker's account id")
    worker_name: str = Field(min_length=1, max_length=64, description="Shown masked")


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime = Field(description="When the worker will call")


class RecordIn(BaseModel):
    """What happened at the door."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["done", "not_at_home"]
    materials_collected: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Codes of the item's materials collected (the worker files them with the "
        "application, channel `home_visit`)",
    )
    application_id: uuid.UUID | None = Field(
        default=None, description="The application the worker filed at the visit"
    )
    note: str | None = Field(default=None, max_length=1000)

    def codes(self) -> list[str]:
        return sorted(set(self.materials_collected))


class HomeVisitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    resident_id: uuid.UUID
    resident_name_masked: str
    address: str
    item_id: uuid.UUID
    status: HomeVisitStatus
    reason: str = Field(
        description="mobility_impaired, disabled, elderly, or `worker` (filed by staff)"
    )
    requested_by_role: str
    note: str | None
    worker_subject: str | None
    worker_name_masked: str | None
    scheduled_for: datetime | None
    visits: int
    materials_collected: list[str]
    application_id: uuid.UUID | None
    outcome_note: str | None
    created_at: datetime
    updated_at: datetime
