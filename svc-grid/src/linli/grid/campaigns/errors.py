"""Refusals of the campaigns domain."""

from __future__ import annotations

from linli.common.errors import Conflict, InvalidInput, NotFound


class CampaignNotFound(NotFound):
    """No such campaign, or not one of the caller's scope."""

    problem = "campaign-not-found"
    title_en = "Campaign not found"
    title_zh = "排查活动不存在"


class HouseholdNotInCampaign(NotFound):
    """The household is not in the campaign's scope (or not in the caller's part of it)."""

    problem = "household-not-in-campaign"
    title_en = "Household not in this campaign"
    title_zh = "该户不在本次排查范围内"


class SlotNotFound(NotFound):
    """No such slot in this campaign."""

    problem = "slot-not-found"
    title_en = "Slot not found"
    title_zh = "时段不存在"


class CampaignNotRunning(Conflict):
    """The campaign is completed: nothing more is recorded or scheduled in it."""

    problem = "campaign-not-running"
    title_en = "Campaign is not running"
    title_zh = "排查活动已结束"


class SlotFull(Conflict):
    """The slot holds as many households as its capacity."""

    problem = "slot-full"
    title_en = "Slot is full"
    title_zh = "该时段已满"


class DoorToDoorHousehold(Conflict):
    """The household is visited at its door (mobility-impaired, elderly living alone): never a slot."""

    problem = "door-to-door-household"
    title_en = "Household is visited door to door"
    title_zh = "该户为上门服务对象，不安排时段"


class AlreadyReached(Conflict):
    """The household was reached already; its slot no longer matters."""

    problem = "already-reached"
    title_en = "Household already reached"
    title_zh = "该户已完成核查"


class SlotOfAnotherBuilding(InvalidInput):
    """Households are scheduled by building: a slot serves the households of its own building."""

    problem = "slot-of-another-building"
    title_en = "Slot belongs to another building"
    title_zh = "该时段属于其他楼栋"

    def __init__(self) -> None:
        message = "the slot serves another building's households"
        super().__init__(
            message,
            errors=[{"field": "body.slot_id", "message": message, "type": "other_building"}],
        )


class WorkerNotServing(InvalidInput):
    """A door-to-door household goes to a grid worker of its grid."""

    problem = "worker-not-serving"
    title_en = "The worker does not serve the household's grid"
    title_zh = "该网格员不负责该户所在网格"
