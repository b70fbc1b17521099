"""Request and response bodies of incidents and their categories."""

from __future__ import annotations

import uuid
from datetime import datetime
from itertools import pairwise
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from linli.common.divisions import CommunityCodeStr, Level
from linli.common.errors import InvalidValue
from linli.grid.models import IncidentSource, IncidentStatus
from linli.grid.text import (
    Address,
    CategoryName,
    Comment,
    Description,
    Name,
    Note,
    Subject,
    Title,
)

CATEGORY_CODE_PATTERN = r"^[a-z][a-z0-9_.-]{1,63}$"
CategoryCode = Annotated[str, StringConstraints(pattern=CATEGORY_CODE_PATTERN, max_length=64)]


class CategoryCreate(BaseModel):
    """A kind of incident and its SLA."""

    model_config = ConfigDict(extra="forbid")

    code: CategoryCode = Field(examples=["environment.garbage"])
    name: CategoryName
    dispatch_sla_minutes: int = Field(ge=1, le=7 * 24 * 60, description="Minutes to dispatch")
    resolve_sla_hours: int = Field(ge=1, le=365 * 24, description="Hours to resolve")
    owner_level: Level = Field(
        default=Level.COMMUNITY, description="The level that handles it first"
    )


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    dispatch_sla_minutes: int
    resolve_sla_hours: int
    owner_level: Level
    created_at: datetime


class IncidentCreate(BaseModel):
    """A problem to report, and where: a building, a grid, or a free address (with its
    community); coordinates are optional."""

    model_config = ConfigDict(extra="forbid")

    category: CategoryCode
    title: Title
    description: Description
    building_id: uuid.UUID | None = None
    grid_id: uuid.UUID | None = None
    community_code: CommunityCodeStr | None = Field(
        default=None, description="With a free address: the community it lies in"
    )
    address: Address | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    contact_name: Name | None = Field(
        default=None, description="Shown to staff masked (`张*`), never in events"
    )

    @model_validator(mode="after")
    def _a_place(self) -> Self:
        if self.building_id is None and self.grid_id is None and self.address is None:
            raise InvalidValue(
                "give a place: building_id, grid_id or address",
                "请提供地点：楼栋、网格或地址",
            )
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidValue("give latitude and longitude together", "纬度和经度须同时提供")
        return self


class StepRead(BaseModel):
    """One step of the timeline."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    action: str
    from_status: str | None
    to_status: str
    level: str
    actor_role: str
    actor_name_masked: str | None
    note: str | None


class IncidentRead(BaseModel):
    # populate_by_name: an IncidentDetail is built from an IncidentRead's dump (`category`).
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: uuid.UUID
    community_code: str
    grid_id: uuid.UUID | None
    building_id: uuid.UUID | None
    address: str | None
    latitude: float | None
    longitude: float | None
    category: str = Field(validation_alias="category_code")
    title: str
    description: str
    source: IncidentSource
    status: IncidentStatus
    level: Level
    escalations: int
    dispatch_due_at: datetime | None
    resolve_due_at: datetime | None
    reporter_name_masked: str | None
    assignee_name_masked: str | None
    merged_into_id: uuid.UUID | None
    rating: int | None
    rating_comment: str | None
    alert_count: int = Field(description="Sensor alerts folded into it (0 for a report)")
    alarm_raised_at: datetime | None
    alarm_acknowledged_at: datetime | None
    created_at: datetime
    updated_at: datetime
    allowed_moves: list[str] = Field(
        default_factory=list, description="Steps the state allows next (your role may not)"
    )


class IncidentCreated(IncidentRead):
    possible_duplicates: int = Field(
        description="Open incidents of the same category at the same building or within 50 m "
        "in the last 72 hours: the community may merge this report into one of them"
    )


class PhotoRead(BaseModel):
    """A photo of the incident: `GET /incidents/{id}/photos/{photo_id}` serves it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    content_type: str
    size_bytes: int
    uploaded_by_role: str
    created_at: datetime


class IncidentDetail(IncidentRead):
    timeline: list[StepRead]
    photos: list[PhotoRead] = Field(default_factory=list)


class DispatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee_subject: Subject = Field(
        description="Account id (token subject) of the grid worker who will handle it"
    )
    assignee_name: Name = Field(description="Their name, stored and shown masked")
    note: Note | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None


class ReasonIn(BaseModel):
    """A step that needs a reason (resolve: what was done; return, escalate, close: why)."""

    model_config = ConfigDict(extra="forbid")

    note: Note


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: uuid.UUID = Field(description="The incident that goes on for both")
    note: Note | None = None


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5)
    fixed: bool = Field(description="False reopens the incident")
    comment: Comment | None = None


class DivisionCounts(BaseModel):
    """Open incidents of one community: how many, overdue, escalated, and at which level."""

    community_code: str
    open: int
    overdue: int = Field(description="Open and past their dispatch or resolve deadline")
    escalated: int = Field(description="Open and escalated at least once")
    community: int = Field(description="Open, handled at the community level")
    street: int
    district: int
    city: int


class IncidentStats(BaseModel):
    division: str
    total: DivisionCounts = Field(description="Sums over the division (`community_code` = it)")
    communities: list[DivisionCounts]
    children: list[DivisionCounts] | None = Field(
        default=None,
        description="With `children=true` only: the sums of each unit one level below "
        "`division` (`community_code` = that unit's code) that has incidents, in code order. "
        "The grid keeps no division tree, so a unit without incidents is left out: its figures "
        "are all zero.",
    )


class HistoryStep(BaseModel):
    """One step of a former system's incident, replayed through the state machine at its time."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["dispatch", "accept", "start", "resolve", "return", "close", "escalate", "rate"]
    at: AwareDatetime
    note: Note | None = None
    assignee_subject: Subject | None = Field(default=None, description="dispatch: the handler")
    assignee_name: Name | None = None
    rating: int | None = Field(default=None, ge=1, le=5, description="rate: the verdict (fixed)")


class HistoricIncident(IncidentCreate):
    """An incident of a former system (历史工单): when it was reported, by whom, and its steps."""

    reported_at: AwareDatetime
    source: Literal["resident", "grid_worker", "department"] = "resident"
    steps: list[HistoryStep] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        times = [self.reported_at, *(step.at for step in self.steps)]
        if any(later < earlier for earlier, later in pairwise(times)):
            raise InvalidValue(
                "steps follow the report and each other in time", "各步骤须按时间顺序排列"
            )
        return self


class HistoryImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incidents: list[HistoricIncident] = Field(min_length=1, max_length=500)


class HistoryImported(BaseModel):
    ids: list[uuid.UUID] = Field(description="The incidents made, in the order given")
