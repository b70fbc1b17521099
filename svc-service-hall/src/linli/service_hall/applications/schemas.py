"""What the applications' API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from linli.service_hall.models import ApplicationStatus, Channel, FilingStatus


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=1000)


class ReasonIn(BaseModel):
    """A rejection needs its reason, shown to the applicant."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=1000)


class ReturnIn(BaseModel):
    """Returned for materials (补正): which ones, and what is wrong with them."""

    model_config = ConfigDict(extra="forbid")

    materials: list[str] = Field(
        min_length=1, max_length=20, description="Codes of the item's materials to upload again"
    )
    note: str = Field(min_length=1, max_length=1000)

    @property
    def codes(self) -> list[str]:
        return sorted(set(self.materials))


class ClockRead(BaseModel):
    """The working-day clock: the applicant sees used, paused and left, and the due date."""

    model_config = ConfigDict(from_attributes=True)

    filed_on: date = Field(description="Filing date in Shanghai; the working day after it is day 1")
    promised_working_days: int
    working_days_used: int
    working_days_paused: int = Field(description="Working days it stood returned for materials")
    working_days_left: int
    due_on: date = Field(description="Due at the end of this day (Asia/Shanghai)")
    paused: bool
    overdue: bool
    provisional: bool = Field(
        description="The due date lies in a year whose make-up working days (调休) are not "
        "published yet: counted on statutory holidays only"
    )


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    action: str
    from_status: str | None
    to_status: str
    actor_role: str
    actor_name_masked: str | None
    note: str | None


class MaterialRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    material_code: str
    name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by_role: str
    uploaded_at: datetime


class ApplicationRead(BaseModel):
    id: uuid.UUID
    filing_id: uuid.UUID
    item_id: uuid.UUID
    item_code: str
    item_name: str
    item_version: int
    community_code: str
    owning_division: str
    resident_id: uuid.UUID
    status: ApplicationStatus
    returned_materials: list[str]
    allowed_moves: list[str]
    clock: ClockRead
    fee_fen: int
    filed_at: datetime
    updated_at: datetime


class ApplicationDetail(ApplicationRead):
    timeline: list[StepRead]
    materials: list[MaterialRead] = Field(
        description="The filing's files this item asks for (the latest of each material)"
    )


class HeldUpBy(BaseModel):
    application_id: uuid.UUID
    item_code: str
    item_name: str
    status: ApplicationStatus


class FilingRead(BaseModel):
    """One filing: a single item, or a 一件事 bundle of items filed together."""

    id: uuid.UUID
    community_code: str
    resident_id: uuid.UUID
    applicant_name_masked: str
    channel: Channel
    bundle_id: uuid.UUID | None
    bundle_code: str | None
    service_point_id: uuid.UUID | None
    status: FilingStatus
    held_up_by: list[HeldUpBy] = Field(
        description="The items not completed yet (what the filing waits for), in filing order"
    )
    applications: list[ApplicationRead]
    created_at: datetime
    completed_at: datetime | None
