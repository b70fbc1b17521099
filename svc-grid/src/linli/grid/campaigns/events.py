"""Events of campaigns: started and completed on the campaign's division, and per household
(reached, slot assigned, reminder due) on the household's community. Ids and counts only:
no names, no phones; the free text staff type (title, station) is redacted of clear PII."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent
from linli.grid.models import ContactPlace

AssignedBy = Literal["schedule", "staff", "resident"]


class _CampaignEvent(DomainEvent):
    service: ClassVar[str] = "grid"
    entity: ClassVar[str] = "campaign"

    campaign_id: uuid.UUID


class _WholeCampaignEvent(_CampaignEvent):
    """On the subject of the campaign's division (a street or a community)."""

    community_code: str | None = Field(  # type: ignore[assignment]
        default=None, description="The campaign's community, or null for a street's campaign"
    )
    campaign_division_code: str = Field(description="The campaign's scope (9 or 12 digits)")

    def division_code(self) -> str:
        return self.campaign_division_code


class CampaignStarted(_WholeCampaignEvent):
    """A campaign started over its scope's households as the roster held them."""

    verb: ClassVar[str] = "started"
    type: Literal["cn.linli.grid.campaign.started.v1"] = "cn.linli.grid.campaign.started.v1"
    title: str
    starts_at: datetime
    ends_at: datetime
    households: int
    residents: int
    door_to_door: int = Field(description="Households visited at their door, not at a station")


class CampaignCompleted(_WholeCampaignEvent):
    """A campaign ended (closed by staff, or its window ran out), with its final coverage."""

    verb: ClassVar[str] = "completed"
    type: Literal["cn.linli.grid.campaign.completed.v1"] = "cn.linli.grid.campaign.completed.v1"
    automatic: bool = Field(description="True when the window's end closed it")
    households_total: int
    households_reached: int
    households_goal_met: int
    residents_total: int
    residents_reached: int
    residents_goal_met: int


class CampaignHouseholdReached(_CampaignEvent):
    """A household of the campaign was reached for a new round: on a business day (Asia/Shanghai)
    it had not been reached on; `round` 1 is the first time."""

    verb: ClassVar[str] = "household_reached"
    type: Literal["cn.linli.grid.campaign.household_reached.v1"] = (
        "cn.linli.grid.campaign.household_reached.v1"
    )
    household_id: uuid.UUID
    grid_id: uuid.UUID | None
    place: ContactPlace
    worker_subject: str
    residents: int
    reached_at: datetime
    round: int = Field(default=1, description="The household's rounds, this one included")


class CampaignHouseholdGoalMet(_CampaignEvent):
    """A household met the campaign's goal: its `rounds_required`-th round (once per household)."""

    verb: ClassVar[str] = "household_goal_met"
    type: Literal["cn.linli.grid.campaign.household_goal_met.v1"] = (
        "cn.linli.grid.campaign.household_goal_met.v1"
    )
    household_id: uuid.UUID
    grid_id: uuid.UUID | None
    rounds: int
    residents: int
    met_at: datetime


class CampaignSlotAssigned(_CampaignEvent):
    """A household was given a station slot, or moved to another (a notification to it)."""

    verb: ClassVar[str] = "slot_assigned"
    type: Literal["cn.linli.grid.campaign.slot_assigned.v1"] = (
        "cn.linli.grid.campaign.slot_assigned.v1"
    )
    household_id: uuid.UUID
    slot_id: uuid.UUID
    station: str
    starts_at: datetime
    ends_at: datetime
    moved: bool = Field(description="True when the household had another slot before")
    by: AssignedBy


class CampaignReminderDue(_CampaignEvent):
    """A household's slot is close: remind it (sent by the slot's durable timer)."""

    verb: ClassVar[str] = "reminder_due"
    type: Literal["cn.linli.grid.campaign.reminder_due.v1"] = (
        "cn.linli.grid.campaign.reminder_due.v1"
    )
    household_id: uuid.UUID
    slot_id: uuid.UUID
    station: str
    starts_at: datetime


CampaignEvent = (
    CampaignStarted
    | CampaignCompleted
    | CampaignHouseholdReached
    | CampaignHouseholdGoalMet
    | CampaignSlotAssigned
    | CampaignReminderDue
)
