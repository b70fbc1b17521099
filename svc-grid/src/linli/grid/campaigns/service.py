"""Business rules of campaigns: who runs and sees one, its scope, slots, contacts, coverage.

Coverage is never counted from contacts: every change that moves it (a household reached, one
joining the scope, a household's residents changing) adds to the counter rows of the
household's parts in its own transaction, under the household's row lock, so the counters are
exact at every commit and under any number of concurrent contacts.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.errors import FieldError, Forbidden, InvalidInput
from linli.common.events import DomainEvent, redact_clear_pii
from linli.common.outbox import events_of
from linli.common.pagination import Keyset, Page, within_division
from linli.common.timers import Timer, schedule
from linli.grid.campaigns import events as ev
from linli.grid.campaigns.errors import (
    AlreadyReached,
    CampaignNotFound,
    CampaignNotRunning,
    DoorToDoorHousehold,
    HouseholdNotInCampaign,
    SlotFull,
    SlotNotFound,
    SlotOfAnotherBuilding,
    WorkerNotServing,
)
from linli.grid.campaigns.repository import UNREACHED_ORDER, CampaignRepository
from linli.grid.campaigns.schemas import (
    MAX_WINDOW_DAYS,
    CampaignCreate,
    CampaignHouseholdRead,
    Coverage,
    CoveragePart,
    DoorToDoorIn,
    ScheduleIn,
    ScheduleResult,
    SlotCreate,
    SlotRead,
    Tally,
    UnreachedRead,
    UnreachedReason,
)
from linli.grid.duty.repository import DutyRepository
from linli.grid.models import (
    Campaign,
    CampaignContact,
    CampaignCounter,
    CampaignHousehold,
    CampaignSlot,
    CampaignStatus,
    ContactOutcome,
    ContactPlace,
    PlaceGrid,
    RosterHousehold,
    RosterMember,
    VisitMode,
)

BUSINESS_TIMEZONE = ZoneInfo("Asia/Shanghai")
REMINDER_TIMER = "campaign.reminder"
WINDOW_TIMER = "campaign.window_end"
# A household is reminded this long before its slot starts.
REMINDER_LEAD = timedelta(hours=1)

# Street and community staff run campaigns over their scope; levels above may too.
OWNER_ROLES = (Role.COMMUNITY_WORKER, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_ADMIN)
# Who records a contact: grid workers at the door, staff and volunteers at the station.
CONTACT_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.VOLUNTEER)
READER_ROLES = (*OWNER_ROLES, Role.GRID_WORKER, Role.VOLUNTEER, Role.AUDITOR)

CAMPAIGN_ORDER = Keyset(Campaign.created_at, Campaign.id, descending=True)


def now() -> datetime:
    return datetime.now(UTC)


def business_year(at: datetime | None = None) -> int:
    """The year in Asia/Shanghai (who is 60 turns on the business calendar)."""
    return (at or now()).astimezone(BUSINESS_TIMEZONE).year


# --- who sees what -------------------------------------------------------------------------------


def part_of(principal: Principal, campaign: Campaign) -> str | None:
    """The division of the campaign the caller sees: all of it when their scope holds its
    scope, their own community when the campaign is their street's; None otherwise."""
    if principal.covers(campaign.division_code):
        return campaign.division_code
    if principal.scope and principal.scope.startswith(campaign.division_code):
        return principal.scope
    return None


async def visible(
    session: AsyncSession,
    principal: Principal,
    campaign_id: uuid.UUID,
    *,
    roles: Sequence[Role] = READER_ROLES,
    for_update: bool = False,
) -> tuple[Campaign, str]:
    """The campaign and the part of it the caller sees; 403 for a role that never may, 404
    for a campaign they do not see."""
    principal.require_role(*roles)
    campaign = await CampaignRepository(session).campaign(campaign_id, for_update=for_update)
    part = None if campaign is None else part_of(principal, campaign)
    if campaign is None or part is None:
        raise CampaignNotFound()
    return campaign, part


def _running(campaign: Campaign) -> None:
    if campaign.status is not CampaignStatus.RUNNING:
        raise CampaignNotRunning(f"the campaign was completed at {campaign.completed_at}")


# --- starting and ending -------------------------------------------------------------------------


async def start(
    session: AsyncSession, *, campaign_in: CampaignCreate, principal: Principal
) -> Campaign:
    """A campaign over the scope's households as the roster holds them now: snapshot, counters,
    `campaign.started` and the window's end timer in one transaction."""
    principal.require_role(*OWNER_ROLES)
    principal.require_scope(campaign_in.division_code)
    started = now()
    if campaign_in.ends_at <= started:
        raise _field_error(
            "body.ends_at", "the window must end in the future", "结束时间须晚于现在"
        )
    if campaign_in.ends_at - started > timedelta(days=MAX_WINDOW_DAYS):
        raise _field_error(
            "body.ends_at",
            f"a campaign runs at most {MAX_WINDOW_DAYS} days",
            f"排查最长 {MAX_WINDOW_DAYS} 天",
        )
    campaign = Campaign(
        division_code=campaign_in.division_code,
        title=campaign_in.title,
        goal=campaign_in.goal,
        rounds_required=campaign_in.rounds_required,
        starts_at=started,
        ends_at=campaign_in.ends_at,
        status=CampaignStatus.RUNNING,
        created_by=principal.subject,
        created_at=started,
    )
    session.add(campaign)
    await session.flush()
    repository = CampaignRepository(session)
    await repository.lock_scope(campaign.division_code[:9], shared=False)
    added = await repository.add_households(campaign, year=business_year(started))
    await repository.build_counters(campaign.id)
    await schedule(
        session,
        kind=WINDOW_TIMER,
        key=str(campaign.id),
        due_at=campaign.ends_at,
        payload={"campaign_id": str(campaign.id)},
    )
    await events_of(session).record(
        ev.CampaignStarted(
            campaign_id=campaign.id,
            campaign_division_code=campaign.division_code,
            community_code=campaign.division_code if len(campaign.division_code) == 12 else None,
            title=redact_clear_pii(campaign.title),
            starts_at=campaign.starts_at,
            ends_at=campaign.ends_at,
            households=added.households,
            residents=added.residents,
            door_to_door=added.door_to_door,
        ),
        subject_id=campaign.id,
    )
    return campaign


async def complete(
    session: AsyncSession, *, campaign_id: uuid.UUID, principal: Principal
) -> Campaign:
    """Close the campaign (its owners only: staff whose scope holds the campaign's)."""
    campaign, part = await visible(
        session, principal, campaign_id, roles=OWNER_ROLES, for_update=True
    )
    if part != campaign.division_code:
        raise Forbidden("only staff of the campaign's own scope close it")
    _running(campaign)
    await _complete(session, campaign, automatic=False)
    return campaign


async def on_window_end(session: AsyncSession, timer: Timer) -> None:
    """The window ran out: the campaign completes, unless staff closed it already."""
    repository = CampaignRepository(session)
    campaign = await repository.campaign(uuid.UUID(timer.payload["campaign_id"]), for_update=True)
    if campaign is not None and campaign.status is CampaignStatus.RUNNING:
        await _complete(session, campaign, automatic=True)


async def _complete(session: AsyncSession, campaign: Campaign, *, automatic: bool) -> None:
    campaign.status = CampaignStatus.COMPLETED
    campaign.completed_at = now()
    total = await _total(session, campaign.id)
    await events_of(session).record(
        ev.CampaignCompleted(
            campaign_id=campaign.id,
            campaign_division_code=campaign.division_code,
            community_code=campaign.division_code if len(campaign.division_code) == 12 else None,
            automatic=automatic,
            **total.model_dump(),
        ),
        subject_id=campaign.id,
    )


async def _total(session: AsyncSession, campaign_id: uuid.UUID) -> Tally:
    row = await session.get(CampaignCounter, (campaign_id, "campaign", ""))
    if row is None:  # a campaign over a scope without households
        return _tally_of([])
    return _tally(row)


def _tally(row: CampaignCounter) -> Tally:
    return Tally(
        households_reached=row.households_reached,
        households_goal_met=row.households_goal_met,
        households_total=row.households_total,
        residents_reached=row.residents_reached,
        residents_goal_met=row.residents_goal_met,
        residents_total=row.residents_total,
    )


async def list_campaigns(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    status: CampaignStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[Campaign]:
    """Campaigns of the division (default: the caller's scope), and those of the streets
    above a community caller; newest first."""
    principal.require_role(*READER_ROLES)
    prefix = division or principal.scope
    principal.require_scope(prefix)
    statement = select(Campaign).where(
        or_(
            within_division(Campaign.division_code, prefix),
            Campaign.division_code.in_([prefix[:9]] if len(prefix) == 12 else []),
        )
    )
    if status is not None:
        statement = statement.where(Campaign.status == status)
    statement = CAMPAIGN_ORDER.paginate(statement, after=CAMPAIGN_ORDER.decode(cursor), limit=limit)
    rows = (await session.scalars(statement)).all()
    return CAMPAIGN_ORDER.page(rows, limit=limit, read=lambda campaign: campaign)


# --- the scope while it runs (called by the roster) ----------------------------------------------


async def household_changed(session: AsyncSession, household_id: uuid.UUID) -> None:
    """The roster took in or changed a household: add it to every running campaign whose
    scope now holds it, and keep its residents in the counters right. Idempotent: a
    re-delivered roster event finds the household in place and its count unchanged."""
    household = await session.get(RosterHousehold, household_id, populate_existing=True)
    if household is None or household.deleted_at is not None or not household.address:
        return
    repository = CampaignRepository(session)
    await repository.lock_scope(household.community_code[:9], shared=True)
    for campaign in await repository.running_over(household.community_code):
        added = await repository.add_households(
            campaign, year=business_year(), household_id=household_id, late=True
        )
        joined = await repository.household(campaign.id, household_id) if added.households else None
        if joined is not None:
            await repository.count(joined, households_total=1, residents_total=joined.residents)
    rows = await repository.households_of(household_id)
    # A resident newly tagged (mobility-impaired, or the elderly left living alone) sends a
    # household still to be reached to its door, freeing the station seat it held.
    door_worker = await repository.door_worker(household_id, year=business_year()) if rows else None
    for row in rows:
        if door_worker is not None and row.mode is VisitMode.STATION and row.reached_at is None:
            if row.slot_id is not None:
                await repository.free_seat(row.slot_id)
            row.slot_id = None
            row.mode = VisitMode.DOOR_TO_DOOR
            row.door_worker_subject = door_worker or None
        delta = household.members - row.residents
        if delta == 0:
            continue
        row.residents = household.members
        owner = await session.get(Campaign, row.campaign_id)
        met = owner is not None and row.rounds >= owner.rounds_required
        await repository.count(
            row,
            residents_total=delta,
            residents_reached=delta if row.reached_at is not None else 0,
            residents_goal_met=delta if met else 0,
        )
    await session.flush()


# --- slots ---------------------------------------------------------------------------------------


def _check_community(principal: Principal, campaign: Campaign, part: str, community: str) -> None:
    if not community.startswith(campaign.division_code):
        raise _field_error(
            "body.community_code", "the community is outside the campaign", "该社区不在排查范围内"
        )
    if not community.startswith(part):
        raise Forbidden(f"community {community} is outside your scope {principal.scope}")


async def add_slot(
    session: AsyncSession, *, campaign_id: uuid.UUID, slot_in: SlotCreate, principal: Principal
) -> CampaignSlot:
    """A station time for one building, with its reminder timer (REMINDER_LEAD before it)."""
    campaign, part = await visible(session, principal, campaign_id, roles=OWNER_ROLES)
    _running(campaign)
    _check_community(principal, campaign, part, slot_in.community_code)
    slot = CampaignSlot(campaign_id=campaign.id, assigned=0, **slot_in.model_dump())
    session.add(slot)
    await session.flush()
    await schedule(
        session,
        kind=REMINDER_TIMER,
        key=str(slot.id),
        due_at=max(slot.starts_at - REMINDER_LEAD, now()),
        payload={"campaign_id": str(campaign.id), "slot_id": str(slot.id)},
    )
    return slot


async def list_slots(
    session: AsyncSession,
    *,
    campaign_id: uuid.UUID,
    community_code: str | None,
    building: str | None,
    principal: Principal,
) -> Sequence[CampaignSlot]:
    campaign, part = await visible(session, principal, campaign_id)
    slots = await CampaignRepository(session).slots(
        campaign.id, community_code=community_code, building=building
    )
    return [slot for slot in slots if slot.community_code.startswith(part)]


async def schedule_households(
    session: AsyncSession, *, campaign_id: uuid.UUID, schedule_in: ScheduleIn, principal: Principal
) -> ScheduleResult:
    """Give the part's unscheduled station households the free places of their building's
    slots, earliest slot first, in address order; door-to-door households are never taken."""
    campaign, part = await visible(session, principal, campaign_id, roles=OWNER_ROLES)
    _running(campaign)
    _check_community(principal, campaign, part, schedule_in.community_code)
    repository = CampaignRepository(session)
    slots = await repository.slots(
        campaign.id,
        community_code=schedule_in.community_code,
        building=schedule_in.building,
        for_update=True,
    )
    assigned: list[tuple[DomainEvent, str | uuid.UUID]] = []
    for slot in slots:
        free = slot.capacity - slot.assigned
        if free <= 0:
            continue
        ids = await repository.unscheduled(
            campaign.id, community_code=slot.community_code, building=slot.building, limit=free
        )
        if not ids:
            continue
        await repository.give_slot(campaign.id, ids, slot.id)
        slot.assigned += len(ids)
        assigned.extend(
            (
                _slot_assigned(campaign.id, slot, household_id, moved=False, by="schedule"),
                household_id,
            )
            for household_id in ids
        )
    await session.flush()
    await events_of(session).record_many(assigned)
    return ScheduleResult(
        assigned=len(assigned),
        unscheduled=await repository.count_unscheduled(
            campaign.id, community_code=schedule_in.community_code, building=schedule_in.building
        ),
    )


def _slot_assigned(
    campaign_id: uuid.UUID,
    slot: CampaignSlot,
    household_id: uuid.UUID,
    *,
    moved: bool,
    by: ev.AssignedBy,
) -> ev.CampaignSlotAssigned:
    return ev.CampaignSlotAssigned(
        community_code=slot.community_code,
        campaign_id=campaign_id,
        household_id=household_id,
        slot_id=slot.id,
        station=redact_clear_pii(slot.station),
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        moved=moved,
        by=by,
    )


async def assign_slot(
    session: AsyncSession,
    *,
    campaign_id: uuid.UUID,
    household_id: uuid.UUID,
    slot_id: uuid.UUID,
    principal: Principal,
) -> CampaignHousehold:
    """Staff give (or move) one household's slot."""
    campaign, part = await visible(session, principal, campaign_id, roles=OWNER_ROLES)
    return await _assign(session, campaign, part, household_id, slot_id, by="staff")


async def _assign(
    session: AsyncSession,
    campaign: Campaign,
    part: str,
    household_id: uuid.UUID,
    slot_id: uuid.UUID,
    *,
    by: ev.AssignedBy,
) -> CampaignHousehold:
    _running(campaign)
    repository = CampaignRepository(session)
    household = await repository.household(campaign.id, household_id, for_update=True)
    if household is None or not household.community_code.startswith(part):
        raise HouseholdNotInCampaign()
    if household.mode is VisitMode.DOOR_TO_DOOR:
        raise DoorToDoorHousehold("this household is visited at its door, by its grid worker")
    if household.reached_at is not None:
        raise AlreadyReached()
    slot = await repository.slot(campaign.id, slot_id)
    if slot is None:
        raise SlotNotFound()
    if (slot.community_code, slot.building) != (household.community_code, household.building):
        raise SlotOfAnotherBuilding()
    if household.slot_id == slot.id:
        return household
    previous = household.slot_id
    # Both slots' rows in id order: two households swapping slots cannot deadlock.
    for touched in sorted(filter(None, (previous, slot.id))):
        if touched == slot.id:
            if not await repository.take_seat(slot.id):
                raise SlotFull(
                    f"the slot holds its {slot.capacity} households", capacity=slot.capacity
                )
        else:
            await repository.free_seat(touched)
    household.slot_id = slot.id
    await session.flush()
    await events_of(session).record(
        _slot_assigned(
            campaign.id, slot, household.household_id, moved=previous is not None, by=by
        ),
        subject_id=household.household_id,
    )
    return household


async def set_door_to_door(
    session: AsyncSession,
    *,
    campaign_id: uuid.UUID,
    household_id: uuid.UUID,
    door_in: DoorToDoorIn,
    principal: Principal,
) -> CampaignHousehold:
    """Visit the household at its door, by a grid worker of its grid; frees its slot."""
    campaign, part = await visible(session, principal, campaign_id, roles=OWNER_ROLES)
    _running(campaign)
    repository = CampaignRepository(session)
    household = await repository.household(campaign.id, household_id, for_update=True)
    if household is None or not household.community_code.startswith(part):
        raise HouseholdNotInCampaign()
    serving = household.grid_id is not None and (
        await DutyRepository(session).worker(household.grid_id, door_in.worker_subject) is not None
    )
    if not serving:
        raise WorkerNotServing(
            "the worker is not assigned to the household's grid",
            errors=[
                FieldError(
                    "body.worker_subject",
                    "not_serving",
                    "not a worker of the grid",
                    "非该网格网格员",
                )
            ],
        )
    if household.slot_id is not None:
        await repository.free_seat(household.slot_id)
    household.slot_id = None
    household.mode = VisitMode.DOOR_TO_DOOR
    household.door_worker_subject = door_in.worker_subject
    await session.flush()
    return household


async def on_reminder(session: AsyncSession, timer: Timer) -> None:
    """A slot is close: `campaign.reminder_due` for each of its households not reached yet."""
    repository = CampaignRepository(session)
    campaign = await repository.campaign(uuid.UUID(timer.payload["campaign_id"]))
    if campaign is None or campaign.status is not CampaignStatus.RUNNING:
        return
    slot = await repository.slot(campaign.id, uuid.UUID(timer.payload["slot_id"]))
    if slot is None:
        return
    households = await repository.in_slot_unreached(slot.id)
    await events_of(session).record_many(
        (
            ev.CampaignReminderDue(
                community_code=h.community_code,
                campaign_id=campaign.id,
                household_id=h.household_id,
                slot_id=slot.id,
                station=redact_clear_pii(slot.station),
                starts_at=slot.starts_at,
            ),
            h.household_id,
        )
        for h in households
    )


# --- residents: their slot -----------------------------------------------------------------------


async def _residents_household(
    session: AsyncSession, principal: Principal, campaign: Campaign
) -> uuid.UUID:
    principal.require_role(Role.RESIDENT)
    try:
        resident_id = uuid.UUID(principal.resident_id or "")
    except ValueError:
        raise HouseholdNotInCampaign() from None
    member = await session.get(RosterMember, resident_id)
    if member is None or member.deleted_at is not None:
        raise HouseholdNotInCampaign()
    return member.household_id


async def my_household(
    session: AsyncSession, *, campaign_id: uuid.UUID, principal: Principal
) -> CampaignHouseholdRead:
    """The resident's own household in the campaign: its slot, or its door-to-door visit."""
    principal.require_role(Role.RESIDENT)
    campaign = await CampaignRepository(session).campaign(campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    household_id = await _residents_household(session, principal, campaign)
    household = await CampaignRepository(session).household(campaign.id, household_id)
    if household is None:
        raise HouseholdNotInCampaign()
    return await read_household(session, household)


async def move_my_slot(
    session: AsyncSession, *, campaign_id: uuid.UUID, slot_id: uuid.UUID, principal: Principal
) -> CampaignHouseholdRead:
    """A resident moves their household to another slot of its building, if it has room."""
    principal.require_role(Role.RESIDENT)
    campaign = await CampaignRepository(session).campaign(campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    household_id = await _residents_household(session, principal, campaign)
    household = await _assign(
        session, campaign, campaign.division_code, household_id, slot_id, by="resident"
    )
    return await read_household(session, household)


async def read_household(
    session: AsyncSession, household: CampaignHousehold
) -> CampaignHouseholdRead:
    slot = (
        await CampaignRepository(session).slot(household.campaign_id, household.slot_id)
        if household.slot_id
        else None
    )
    return CampaignHouseholdRead(
        household_id=household.household_id,
        community_code=household.community_code,
        grid_id=household.grid_id,
        building=household.building,
        address=household.address,
        residents=household.residents,
        mode=household.mode,
        door_worker_subject=household.door_worker_subject,
        slot=SlotRead.model_validate(slot) if slot else None,
        not_at_home=household.not_at_home,
        last_outcome=household.last_outcome,
        reached_at=household.reached_at,
        rounds=household.rounds,
        joined_late=household.joined_late,
    )


async def get_household(
    session: AsyncSession, *, campaign_id: uuid.UUID, household_id: uuid.UUID, principal: Principal
) -> CampaignHouseholdRead:
    campaign, part = await visible(session, principal, campaign_id)
    household = await CampaignRepository(session).household(campaign.id, household_id)
    if household is None or not household.community_code.startswith(part):
        raise HouseholdNotInCampaign()
    return await read_household(session, household)


# --- contacts and coverage -----------------------------------------------------------------------


async def record_contact(
    session: AsyncSession,
    *,
    campaign_id: uuid.UUID,
    household_id: uuid.UUID,
    outcome: ContactOutcome,
    place: ContactPlace,
    note: str | None,
    principal: Principal,
) -> tuple[CampaignContact, bool, int | None]:
    """One contact. A `reached` on a business day (Asia/Shanghai) after the household's last
    round is a new round: a second `reached` the same day is kept but is no new round. The
    first round adds the household to the reached counters of its parts, the
    `rounds_required`-th to the goal-met ones, in this same transaction, under its row lock.
    Returns the contact, whether it reached the household first, and the round it counted
    as (None when none)."""
    campaign, part = await visible(session, principal, campaign_id, roles=CONTACT_ROLES)
    _running(campaign)
    repository = CampaignRepository(session)
    household = await repository.household(campaign.id, household_id, for_update=True)
    if household is None or not household.community_code.startswith(part):
        raise HouseholdNotInCampaign(
            "the household is not in this campaign's scope, or not in your part of it"
        )
    at = now()
    contact = CampaignContact(
        campaign_id=campaign.id,
        household_id=household.household_id,
        outcome=outcome,
        place=place,
        worker_subject=principal.subject,
        note=note,
        at=at,
    )
    session.add(contact)
    day = at.astimezone(BUSINESS_TIMEZONE).date()
    # Later than the last round's day, not just another: a clock a little behind on another
    # replica must not count a day twice.
    new_round = outcome is ContactOutcome.REACHED and (
        household.last_round_on is None or day > household.last_round_on
    )
    first_reach = outcome is ContactOutcome.REACHED and household.reached_at is None
    if household.reached_at is None:
        household.last_outcome = outcome.value
    if outcome is ContactOutcome.NOT_AT_HOME:
        household.not_at_home += 1
    if first_reach:
        household.reached_at = at
    goal_met = False
    if new_round:
        household.rounds += 1
        household.last_round_on = day
        goal_met = household.rounds == campaign.rounds_required
        await events_of(session).record(
            ev.CampaignHouseholdReached(
                community_code=household.community_code,
                campaign_id=campaign.id,
                household_id=household.household_id,
                grid_id=household.grid_id,
                place=place,
                worker_subject=principal.subject,
                residents=household.residents,
                reached_at=at,
                round=household.rounds,
            ),
            subject_id=household.household_id,
        )
    if goal_met:
        await events_of(session).record(
            ev.CampaignHouseholdGoalMet(
                community_code=household.community_code,
                campaign_id=campaign.id,
                household_id=household.household_id,
                grid_id=household.grid_id,
                rounds=household.rounds,
                residents=household.residents,
                met_at=at,
            ),
            subject_id=household.household_id,
        )
    # Everything else written first: the shared counter rows are locked last, up to the commit.
    await session.flush()
    if first_reach or goal_met:
        await repository.count(
            household,
            households_reached=int(first_reach),
            residents_reached=household.residents if first_reach else 0,
            households_goal_met=int(goal_met),
            residents_goal_met=household.residents if goal_met else 0,
        )
    return contact, first_reach, household.rounds if new_round else None


async def coverage(
    session: AsyncSession, *, campaign_id: uuid.UUID, principal: Principal
) -> Coverage:
    """Reached / total households and residents, whole and per community, grid, court and
    building: one read of the counter rows (limited to the caller's part of the campaign)."""
    campaign, part = await visible(session, principal, campaign_id)
    whole = part == campaign.division_code
    rows = await CampaignRepository(session).counters(
        campaign.id, community_prefix=None if whole else part
    )
    by_kind: dict[str, list[CampaignCounter]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    grid_names = await _grid_names(
        session, [row.key.split("/", 1)[1] for row in by_kind.get("grid", [])]
    )
    if whole:
        total = by_kind.get("campaign", [])
        tally = _tally(total[0]) if total else _tally_of([])
    else:
        tally = _tally_of(by_kind.get("community", []))

    def parts(kind: str) -> list[CoveragePart]:
        out = []
        for row in by_kind.get(kind, []):
            community, _, rest = row.key.partition("/")
            part_ = CoveragePart(**_tally(row).model_dump(), community_code=community)
            if kind == "grid" and rest:
                part_.grid_id = uuid.UUID(rest)
                part_.name = grid_names.get(rest)
            elif kind == "court" and rest:
                part_.court_id = uuid.UUID(rest)
            elif kind == "building":
                part_.building = rest
                part_.name = rest
            out.append(part_)
        return out

    return Coverage(
        campaign_id=campaign.id,
        status=campaign.status,
        rounds_required=campaign.rounds_required,
        division_code=part,
        total=tally,
        communities=parts("community"),
        grids=parts("grid"),
        courts=parts("court"),
        buildings=parts("building"),
    )


def _tally_of(rows: Sequence[CampaignCounter]) -> Tally:
    return Tally(
        households_reached=sum(r.households_reached for r in rows),
        households_goal_met=sum(r.households_goal_met for r in rows),
        households_total=sum(r.households_total for r in rows),
        residents_reached=sum(r.residents_reached for r in rows),
        residents_goal_met=sum(r.residents_goal_met for r in rows),
        residents_total=sum(r.residents_total for r in rows),
    )


async def _grid_names(session: AsyncSession, ids: Sequence[str]) -> dict[str, str]:
    wanted = [uuid.UUID(i) for i in ids if i]
    if not wanted:
        return {}
    rows = await session.execute(
        select(PlaceGrid.id, PlaceGrid.name).where(PlaceGrid.id.in_(wanted))
    )
    return {str(grid_id): name for grid_id, name in rows.all()}


async def unreached(
    session: AsyncSession,
    *,
    campaign_id: uuid.UUID,
    principal: Principal,
    division: str | None,
    grid_id: uuid.UUID | None,
    building: str | None,
    reason: UnreachedReason | None,
    cursor: str | None,
    limit: int | None,
) -> Page[UnreachedRead]:
    """The households not reached yet (exactly the complement of the reached), with why;
    `limit` None: all of them (the CSV export)."""
    campaign, part = await visible(session, principal, campaign_id)
    prefix = division or part
    if not prefix.startswith(part) and not part.startswith(prefix):
        raise Forbidden(f"division {prefix} is outside your part of the campaign ({part})")
    prefix = max(prefix, part, key=len)
    statement = CampaignRepository(session).unreached(
        campaign.id,
        division_prefix=prefix,
        grid_id=grid_id,
        building=building,
        reason=reason,
        now=now(),
    )
    if limit is None:
        rows = (await session.execute(statement.order_by(*UNREACHED_ORDER.columns))).all()
        return Page[UnreachedRead](items=[_unreached(row) for row in rows])
    statement = UNREACHED_ORDER.paginate(
        statement, after=UNREACHED_ORDER.decode(cursor), limit=limit
    )
    rows = (await session.execute(statement)).all()
    return UNREACHED_ORDER.page(rows, limit=limit, read=_unreached)


def _unreached(row: object) -> UnreachedRead:
    return UnreachedRead.model_validate(row, from_attributes=True)


CSV_HEADER = (
    "address",
    "community_code",
    "building",
    "grid_id",
    "residents",
    "mode",
    "door_worker",
    "slot_starts_at",
    "not_at_home",
    "reason",
    "household_id",
)
# A cell a spreadsheet would run as a formula is prefixed with a quote (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_csv(items: Sequence[UnreachedRead]) -> str:
    """The unreached list for the people going door to door (RFC 4180 through the stdlib)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for item in items:
        writer.writerow(
            [
                _cell(item.address),
                item.community_code,
                _cell(item.building),
                item.grid_id or "",
                item.residents,
                item.mode.value,
                _cell(item.door_worker_subject or ""),
                item.slot_starts_at.astimezone(BUSINESS_TIMEZONE).strftime("%Y-%m-%d %H:%M")
                if item.slot_starts_at
                else "",
                item.not_at_home,
                item.reason.value,
                item.household_id,
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _field_error(field: str, en: str, zh: str) -> Exception:
    return InvalidInput(en, errors=[FieldError(field, "invalid", en, zh)])
