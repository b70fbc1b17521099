"""What the campaigns API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

from linli.common.divisions import CommunityCodeStr, DivisionCodeStr
from linli.common.errors import InvalidValue
from linli.grid.models import CampaignStatus, ContactOutcome, ContactPlace, VisitMode
from linli.grid.text import Note, Stripped, Subject, Title

Goal = Annotated[str, Stripped, StringConstraints(max_length=500)]
Station = Annotated[str, Stripped, StringConstraints(max_length=100)]
Building = Annotated[str, Stripped, StringConstraints(max_length=64)]
# Strict: "2" is a string, not a count of rounds.
Rounds = Annotated[int, Strict(), Field(ge=1, le=10)]

# A campaign runs for days, not seasons: the seeds' testing campaign took four.
MAX_WINDOW_DAYS = 90
MAX_SLOT_HOURS = 12


class UnreachedReason(StrEnum):
    """Why a household is not reached yet, the first that applies."""

    MOVED_AWAY = "moved_away"
    REFUSED = "refused"
    NOT_AT_HOME_TWICE = "not_at_home_twice"
    DOOR_TO_DOOR_PENDING = "door_to_door_pending"
    NOT_SCHEDULED = "not_scheduled"
    MISSED_SLOT = "missed_slot"
    NOT_AT_HOME = "not_at_home"
    SCHEDULED = "scheduled"


def _window(starts_at: datetime, ends_at: datetime, *, max_hours: int) -> None:
    if ends_at <= starts_at:
        raise InvalidValue("ends_at must be after starts_at", "结束时间须晚于开始时间")
    if (ends_at - starts_at).total_seconds() > max_hours * 3600:
        raise InvalidValue(
            f"a window is at most {max_hours} hours", f"时间窗口最长 {max_hours} 小时"
        )


class CampaignCreate(BaseModel):
    """A campaign over a street (9 digits) or a community (12), starting now."""

    model_config = ConfigDict(extra="forbid")

    division_code: DivisionCodeStr = Field(description="The street or community it covers")
    title: Title
    goal: Goal = Field(description="What reached means, e.g. 每位居民完成两次核酸检测")
    rounds_required: Rounds = Field(
        default=1,
        description="Rounds that meet the goal per household (2 for every resident tested "
        "twice); a round is a `reached` contact on a business day (Asia/Shanghai) it has none",
    )
    ends_at: AwareDatetime = Field(
        description=f"End of the window, at most {MAX_WINDOW_DAYS} days on"
    )

    @model_validator(mode="after")
    def _scope_level(self) -> Self:
        if len(self.division_code) not in (9, 12):
            raise InvalidValue(
                "a campaign covers a street (9 digits) or a community (12)",
                "排查范围须为街道（9位）或社区（12位）",
            )
        return self


class CampaignRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    division_code: str
    title: str
    goal: str
    rounds_required: int
    starts_at: datetime
    ends_at: datetime
    status: CampaignStatus
    created_at: datetime
    completed_at: datetime | None


class Tally(BaseModel):
    """Reached (one round or more), goal met (`rounds_required` rounds or more) and total
    households and residents of one part of a campaign."""

    households_reached: int
    households_goal_met: int
    households_total: int
    residents_reached: int
    residents_goal_met: int
    residents_total: int


class CoveragePart(Tally):
    """One community, grid, building or court; `name` where the grid's read model knows it."""

    community_code: str | None = None
    grid_id: uuid.UUID | None = None
    building: str | None = None
    court_id: uuid.UUID | None = None
    name: str | None = None


class Coverage(BaseModel):
    """Coverage at this moment, exact: counters kept in each contact's own transaction."""

    campaign_id: uuid.UUID
    status: CampaignStatus
    rounds_required: int = Field(description="Rounds per household that meet the goal")
    division_code: str = Field(
        description="The part of the campaign you see (your scope within it)"
    )
    total: Tally
    communities: list[CoveragePart]
    grids: list[CoveragePart]
    courts: list[CoveragePart]
    buildings: list[CoveragePart]


class SlotCreate(BaseModel):
    """A time at a station for one building's households."""

    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr
    building: Building = Field(description="As addresses name it: `3幢` of `3幢-2单元-501`")
    station: Station = Field(description="Where: e.g. 3幢楼下核酸采样点")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1, le=10_000)

    @model_validator(mode="after")
    def _times(self) -> Self:
        _window(self.starts_at, self.ends_at, max_hours=MAX_SLOT_HOURS)
        return self


class SlotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    building: str
    station: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    assigned: int


class SlotChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: uuid.UUID


class ScheduleIn(BaseModel):
    """Fill the slots of a community (or of one of its buildings) with its unscheduled
    station households, in address order, up to each slot's capacity."""

    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr
    building: Building | None = None


class ScheduleResult(BaseModel):
    assigned: int = Field(description="Households given a slot now")
    unscheduled: int = Field(description="Station households of the part still without a slot")


class DoorToDoorIn(BaseModel):
    """Visit the household at its door, by this grid worker of its grid (its slot is freed)."""

    model_config = ConfigDict(extra="forbid")

    worker_subject: Subject


class ContactIn(BaseModel):
    """What happened at the door or at the station."""

    model_config = ConfigDict(extra="forbid")

    household_id: uuid.UUID
    outcome: ContactOutcome
    place: ContactPlace
    note: Note | None = None


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    outcome: ContactOutcome
    place: ContactPlace
    at: datetime
    first_reach: bool = Field(description="True when this contact reached the household first")
    round: int | None = Field(
        description="The household's round this contact counted as; null when it counted none "
        "(not reached, or reached again on a business day that has its round already)"
    )


class CampaignHouseholdRead(BaseModel):
    """A household of the campaign, where it stands."""

    household_id: uuid.UUID
    community_code: str
    grid_id: uuid.UUID | None
    building: str
    address: str
    residents: int
    mode: VisitMode
    door_worker_subject: str | None
    slot: SlotRead | None
    not_at_home: int
    last_outcome: str | None
    reached_at: datetime | None
    rounds: int = Field(description="Business days it was reached on")
    joined_late: bool = Field(description="Joined the scope after the campaign started")


class UnreachedRead(BaseModel):
    """A household not reached yet, and why."""

    household_id: uuid.UUID
    community_code: str
    grid_id: uuid.UUID | None
    building: str
    address: str
    residents: int
    mode: VisitMode
    door_worker_subject: str | None
    slot_id: uuid.UUID | None
    slot_starts_at: datetime | None
    not_at_home: int
    reason: UnreachedReason


UnreachedFormat = Literal["json", "csv"]
