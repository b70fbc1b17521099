"""Queries of campaigns: the scope snapshot, counters, slots and the unreached list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.grid.campaigns.schemas import UnreachedReason
from linli.grid.models import (
    Campaign,
    CampaignCounter,
    CampaignHousehold,
    CampaignSlot,
    CampaignStatus,
    GridWorker,
    PlaceBuilding,
    RosterHousehold,
    RosterMember,
    VisitMode,
)

# Counter rows of one household, in the one order every transaction updates them (no deadlock
# between two contacts, or a contact and a household joining): the most shared last, so that
# its row lock is held for the shortest time before the commit.
COUNTER_KINDS = ("building", "grid", "court", "community", "campaign")
# Tags that send a household's visit to its door (the registry's stored tags).
MOBILITY_TAGS = ("mobility_impaired", "disabled")
LIVING_ALONE = "living_alone"
ELDERLY_AGE = 60

UNREACHED_ORDER = Keyset(
    CampaignHousehold.community_code, CampaignHousehold.address, CampaignHousehold.household_id
)


def building_of(address: Any) -> Any:
    """The building an address names (`3幢` of `3幢-2单元-501`), in SQL."""
    return func.left(func.split_part(address, "-", 1), 64)


def counter_keys(household: CampaignHousehold) -> list[tuple[str, str]]:
    """(kind, key) of the counter rows a household counts in, in `COUNTER_KINDS` order."""
    community = household.community_code
    return [
        ("building", f"{community}/{household.building}"),
        ("grid", f"{community}/{household.grid_id or ''}"),
        ("court", f"{community}/{household.court_id or ''}"),
        ("community", community),
        ("campaign", ""),
    ]


def _counter_key_sql(kind: str) -> Any:
    """The counter key of `counter_keys` in SQL; constants inline, so that GROUP BY names
    the same expression as the select list."""
    h = CampaignHousehold
    slash: Any = literal_column("'/'")
    empty: Any = literal_column("''")
    match kind:
        case "campaign":
            return empty
        case "community":
            return h.community_code
        case "court":
            return h.community_code + slash + func.coalesce(cast(h.court_id, Text), empty)
        case "grid":
            return h.community_code + slash + func.coalesce(cast(h.grid_id, Text), empty)
        case _:
            return h.community_code + slash + h.building


def door_to_door(year: int) -> ColumnElement[bool]:
    """A live member of the household who is mobility-impaired, or elderly and living alone."""
    m = RosterMember
    return exists().where(
        m.household_id == RosterHousehold.household_id,
        m.deleted_at.is_(None),
        or_(
            m.tags.overlap(list(MOBILITY_TAGS)),
            and_(m.tags.contains([LIVING_ALONE]), m.birth_year <= year - ELDERLY_AGE),
        ),
    )


@dataclass(frozen=True, slots=True)
class Added:
    households: int
    residents: int
    door_to_door: int


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def campaign(
        self, campaign_id: uuid.UUID, *, for_update: bool = False
    ) -> Campaign | None:
        statement = select(Campaign).where(Campaign.id == campaign_id)
        if for_update:
            statement = statement.with_for_update()
        found: Campaign | None = await self.session.scalar(
            statement.execution_options(populate_existing=True)
        )
        return found

    async def lock_scope(self, street_code: str, *, shared: bool) -> None:
        """Serialize a campaign's start with the roster's writes in its street, to the commit.

        Without it a household committed by the roster while a campaign starts could miss both
        ways in: the snapshot does not see it yet, and its consumer does not see the campaign
        yet. The roster holds the lock shared (its writes run side by side); a start holds it
        alone, so its snapshot comes after every write before it, and every write after it sees
        the campaign."""
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        await self.session.execute(
            select(
                getattr(func, function)(func.hashtext("linli.grid.campaign-scope:" + street_code))
            )
        )

    async def running_over(self, community_code: str) -> Sequence[Campaign]:
        """Running campaigns whose scope holds the community (its street's, its own)."""
        statement = select(Campaign).where(
            Campaign.status == CampaignStatus.RUNNING,
            Campaign.division_code.in_([community_code[:9], community_code]),
        )
        return (await self.session.scalars(statement)).all()

    async def add_households(
        self,
        campaign: Campaign,
        *,
        year: int,
        household_id: uuid.UUID | None = None,
        late: bool = False,
    ) -> Added:
        """Add the roster's live households of the campaign's scope (or just one) that are not
        in it yet; returns how many, with their residents. Placeholders without an address wait for their
        `household.created`."""
        r = RosterHousehold
        court = (
            select(PlaceBuilding.court_id)
            .where(
                PlaceBuilding.community_code == r.community_code,
                PlaceBuilding.name == building_of(r.address),
                PlaceBuilding.deleted_at.is_(None),
            )
            .order_by(PlaceBuilding.id)
            .limit(1)
            .scalar_subquery()
        )
        # A door-to-door household goes to a worker of its grid, spread by a hash of its id.
        worker = (
            select(GridWorker.worker_subject)
            .where(GridWorker.grid_id == r.grid_id)
            .order_by(func.md5(GridWorker.worker_subject + cast(r.household_id, Text)))
            .limit(1)
            .scalar_subquery()
        )
        door = door_to_door(year)
        source = select(
            literal(campaign.id),
            r.household_id,
            r.community_code,
            r.grid_id,
            building_of(r.address),
            court,
            r.address,
            r.members,
            case((door, VisitMode.DOOR_TO_DOOR.value), else_=VisitMode.STATION.value),
            case((door, worker), else_=None),
            literal(late),
        ).where(
            within_division(r.community_code, campaign.division_code),
            r.deleted_at.is_(None),
            r.address != "",
        )
        if household_id is not None:
            source = source.where(r.household_id == household_id)
        statement = (
            insert(CampaignHousehold)
            .from_select(
                [
                    "campaign_id",
                    "household_id",
                    "community_code",
                    "grid_id",
                    "building",
                    "court_id",
                    "address",
                    "residents",
                    "mode",
                    "door_worker_subject",
                    "joined_late",
                ],
                source,
            )
            .on_conflict_do_nothing(index_elements=["campaign_id", "household_id"])
            .returning(CampaignHousehold.residents, CampaignHousehold.mode)
            .cte("added")
        )
        # Sums of what was added, not its rows: a street's snapshot is tens of thousands.
        door = statement.c.mode == VisitMode.DOOR_TO_DOOR.value
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(statement.c.residents), 0),
                    func.count().filter(door),
                ).select_from(statement)
            )
        ).one()
        return Added(households=int(row[0]), residents=int(row[1]), door_to_door=int(row[2]))

    async def door_worker(self, household_id: uuid.UUID, *, year: int) -> str | None:
        """For a household now to be visited at its door, the grid worker it goes to ('' when
        its grid has none yet); None when it is not."""
        r = RosterHousehold
        worker = (
            select(GridWorker.worker_subject)
            .where(GridWorker.grid_id == r.grid_id)
            .order_by(func.md5(GridWorker.worker_subject + cast(r.household_id, Text)))
            .limit(1)
            .scalar_subquery()
        )
        row = (
            await self.session.execute(
                select(door_to_door(year), func.coalesce(worker, "")).where(
                    r.household_id == household_id
                )
            )
        ).first()
        return str(row[1]) if row is not None and row[0] else None

    async def build_counters(self, campaign_id: uuid.UUID) -> None:
        """The counter rows of a campaign's snapshot, from its households, in one statement."""
        h = CampaignHousehold
        required = (
            select(Campaign.rounds_required).where(Campaign.id == campaign_id).scalar_subquery()
        )
        met = h.rounds >= required
        parts = [
            select(
                literal(campaign_id),
                literal_column(f"'{kind}'"),
                _counter_key_sql(kind),
                func.count(),
                func.count().filter(h.reached_at.is_not(None)),
                func.coalesce(func.sum(h.residents), 0),
                func.coalesce(func.sum(h.residents).filter(h.reached_at.is_not(None)), 0),
                func.count().filter(met),
                func.coalesce(func.sum(h.residents).filter(met), 0),
            )
            .where(h.campaign_id == campaign_id)
            # The whole campaign is one row, even over a scope without households.
            .group_by(*([] if kind == "campaign" else [_counter_key_sql(kind)]))
            for kind in COUNTER_KINDS
        ]
        rows = parts[0].union_all(*parts[1:])
        await self.session.execute(
            insert(CampaignCounter).from_select(
                [
                    "campaign_id",
                    "kind",
                    "key",
                    "households_total",
                    "households_reached",
                    "residents_total",
                    "residents_reached",
                    "households_goal_met",
                    "residents_goal_met",
                ],
                rows,
            )
        )

    async def count(
        self,
        household: CampaignHousehold,
        *,
        households_total: int = 0,
        households_reached: int = 0,
        residents_total: int = 0,
        residents_reached: int = 0,
        households_goal_met: int = 0,
        residents_goal_met: int = 0,
    ) -> None:
        """Add to the counter rows of the household's parts, in `COUNTER_KINDS` order. A
        household joining the scope (`households_total`) upserts, since its building may be new
        to the campaign; anything else updates the rows its joining made."""
        c = CampaignCounter
        deltas = {
            "households_total": households_total,
            "households_reached": households_reached,
            "residents_total": residents_total,
            "residents_reached": residents_reached,
            "households_goal_met": households_goal_met,
            "residents_goal_met": residents_goal_met,
        }
        if not any(deltas.values()):
            return
        changes: dict[str, Any] = {name: getattr(c, name) + delta for name, delta in deltas.items()}
        for kind, key in counter_keys(household):
            statement: Any
            if households_total:
                statement = insert(c).values(
                    campaign_id=household.campaign_id, kind=kind, key=key, **deltas
                )
                statement = statement.on_conflict_do_update(
                    index_elements=[c.campaign_id, c.kind, c.key], set_=changes
                )
            else:
                statement = (
                    update(c)
                    .where(c.campaign_id == household.campaign_id, c.kind == kind, c.key == key)
                    .values(**changes)
                )
            await self.session.execute(statement)

    async def counters(
        self, campaign_id: uuid.UUID, *, community_prefix: str | None
    ) -> Sequence[CampaignCounter]:
        """The campaign's counter rows; with a prefix, only the parts within it (every key but
        the campaign's own starts with its community code)."""
        c = CampaignCounter
        statement = select(c).where(c.campaign_id == campaign_id)
        if community_prefix is not None:
            statement = statement.where(c.kind != "campaign", c.key.startswith(community_prefix))
        return (await self.session.scalars(statement.order_by(c.kind, c.key))).all()

    async def household(
        self, campaign_id: uuid.UUID, household_id: uuid.UUID, *, for_update: bool = False
    ) -> CampaignHousehold | None:
        statement = select(CampaignHousehold).where(
            CampaignHousehold.campaign_id == campaign_id,
            CampaignHousehold.household_id == household_id,
        )
        if for_update:
            statement = statement.with_for_update()
        found: CampaignHousehold | None = await self.session.scalar(
            statement.execution_options(populate_existing=True)
        )
        return found

    async def households_of(self, household_id: uuid.UUID) -> Sequence[CampaignHousehold]:
        """The household's rows in running campaigns, locked (its residents may change)."""
        statement = (
            select(CampaignHousehold)
            .join(Campaign, Campaign.id == CampaignHousehold.campaign_id)
            .where(
                CampaignHousehold.household_id == household_id,
                Campaign.status == CampaignStatus.RUNNING,
            )
            .order_by(CampaignHousehold.campaign_id)
            .with_for_update(of=CampaignHousehold)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).all()

    async def slot(self, campaign_id: uuid.UUID, slot_id: uuid.UUID) -> CampaignSlot | None:
        found: CampaignSlot | None = await self.session.scalar(
            select(CampaignSlot).where(
                CampaignSlot.id == slot_id, CampaignSlot.campaign_id == campaign_id
            )
        )
        return found

    async def take_seat(self, slot_id: uuid.UUID) -> bool:
        """One more household in the slot, unless it is full: a conditional update, so a burst
        of assignments never puts more than `capacity` in it."""
        result = await self.session.execute(
            update(CampaignSlot)
            .where(CampaignSlot.id == slot_id, CampaignSlot.assigned < CampaignSlot.capacity)
            .values(assigned=CampaignSlot.assigned + 1)
            .returning(CampaignSlot.id)
        )
        return result.first() is not None

    async def free_seat(self, slot_id: uuid.UUID) -> None:
        await self.session.execute(
            update(CampaignSlot)
            .where(CampaignSlot.id == slot_id)
            .values(assigned=CampaignSlot.assigned - 1)
        )

    async def slots(
        self,
        campaign_id: uuid.UUID,
        *,
        community_code: str | None,
        building: str | None,
        for_update: bool = False,
    ) -> Sequence[CampaignSlot]:
        statement = select(CampaignSlot).where(CampaignSlot.campaign_id == campaign_id)
        if community_code is not None:
            statement = statement.where(CampaignSlot.community_code == community_code)
        if building is not None:
            statement = statement.where(CampaignSlot.building == building)
        statement = statement.order_by(
            CampaignSlot.community_code,
            CampaignSlot.building,
            CampaignSlot.starts_at,
            CampaignSlot.id,
        )
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).all()

    async def unscheduled(
        self, campaign_id: uuid.UUID, *, community_code: str, building: str, limit: int
    ) -> Sequence[uuid.UUID]:
        """Station households of a building without a slot, in address order, locked."""
        h = CampaignHousehold
        statement = (
            select(h.household_id)
            .where(
                h.campaign_id == campaign_id,
                h.community_code == community_code,
                h.building == building,
                h.mode == VisitMode.STATION,
                h.slot_id.is_(None),
                h.reached_at.is_(None),
            )
            .order_by(h.address, h.household_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.scalars(statement)).all()

    async def count_unscheduled(
        self, campaign_id: uuid.UUID, *, community_code: str, building: str | None
    ) -> int:
        h = CampaignHousehold
        statement = select(func.count()).where(
            h.campaign_id == campaign_id,
            h.community_code == community_code,
            h.mode == VisitMode.STATION,
            h.slot_id.is_(None),
            h.reached_at.is_(None),
        )
        if building is not None:
            statement = statement.where(h.building == building)
        return int(await self.session.scalar(statement) or 0)

    async def give_slot(
        self, campaign_id: uuid.UUID, ids: Sequence[uuid.UUID], slot_id: uuid.UUID
    ) -> None:
        await self.session.execute(
            update(CampaignHousehold)
            .where(
                CampaignHousehold.campaign_id == campaign_id,
                CampaignHousehold.household_id.in_(ids),
            )
            .values(slot_id=slot_id)
        )

    async def in_slot_unreached(self, slot_id: uuid.UUID) -> Sequence[CampaignHousehold]:
        statement = select(CampaignHousehold).where(
            CampaignHousehold.slot_id == slot_id, CampaignHousehold.reached_at.is_(None)
        )
        return (await self.session.scalars(statement)).all()

    def unreached(
        self,
        campaign_id: uuid.UUID,
        *,
        division_prefix: str,
        grid_id: uuid.UUID | None,
        building: str | None,
        reason: UnreachedReason | None,
        now: datetime,
    ) -> Select[*tuple[Any, ...]]:
        """The households not reached, with their reason, in `UNREACHED_ORDER` (unpaged)."""
        h, s = CampaignHousehold, CampaignSlot
        why = reason_sql(now)
        statement: Select[*tuple[Any, ...]] = (
            select(
                h.household_id,
                h.community_code,
                h.grid_id,
                h.building,
                h.address,
                h.residents,
                h.mode,
                h.door_worker_subject,
                h.slot_id,
                s.starts_at.label("slot_starts_at"),
                h.not_at_home,
                why.label("reason"),
            )
            .select_from(h)
            .outerjoin(s, s.id == h.slot_id)
            .where(
                h.campaign_id == campaign_id,
                h.reached_at.is_(None),
                within_division(h.community_code, division_prefix),
            )
        )
        if grid_id is not None:
            statement = statement.where(h.grid_id == grid_id)
        if building is not None:
            statement = statement.where(h.building == building)
        if reason is not None:
            statement = statement.where(why == reason.value)
        return statement


def reason_sql(now: datetime) -> ColumnElement[str]:
    """Why a household is not reached yet: the first reason of `UnreachedReason` that holds."""
    h, s = CampaignHousehold, CampaignSlot
    r = UnreachedReason
    return case(
        (h.last_outcome == "moved_away", r.MOVED_AWAY.value),
        (h.last_outcome == "refused", r.REFUSED.value),
        (h.not_at_home >= 2, r.NOT_AT_HOME_TWICE.value),
        (h.mode == VisitMode.DOOR_TO_DOOR, r.DOOR_TO_DOOR_PENDING.value),
        (h.slot_id.is_(None), r.NOT_SCHEDULED.value),
        (s.ends_at < now, r.MISSED_SLOT.value),
        (h.not_at_home >= 1, r.NOT_AT_HOME.value),
        else_=r.SCHEDULED.value,
    )
