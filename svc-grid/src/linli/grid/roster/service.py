"""Rules of the household roster: who may read it, and how an approval enters it exactly once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.pagination import Page
from linli.grid.campaigns import service as campaigns
from linli.grid.roster.errors import HouseholdNotFound
from linli.grid.roster.repository import HOUSEHOLD_ORDER, RosterRepository
from linli.grid.roster.schemas import (
    HouseholdCreated,
    HouseholdDeleted,
    HouseholdDetail,
    HouseholdEvent,
    HouseholdMoved,
    HouseholdRead,
    HouseholdUpdated,
    ResidentApproved,
    ResidentCreated,
    ResidentDeleted,
    ResidentEvent,
    ResidentMoved,
    ResidentTagged,
    RosterMemberRead,
)

# Staff who work with households; residents, enterprises and devices never read the roster.
ROSTER_READERS = (
    Role.GRID_WORKER,
    Role.COMMUNITY_WORKER,
    Role.STREET_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.CITY_ADMIN,
)


async def record_approval(
    session: AsyncSession, *, approval: ResidentApproved, event_id: str
) -> None:
    """Enter an approved resident and their household; a repeat of the same facts changes nothing.

    Idempotent by construction, not only by event id: a duplicate published under a new event id
    (an outbox retry after JetStream's de-duplication window) still finds both rows in place.
    """
    roster = RosterRepository(session)
    await roster.upsert_household(
        household_id=approval.household_id,
        community_code=approval.community_code,
        grid_id=approval.grid_id,
        address=approval.household_address,
        event_id=event_id,
    )
    if await roster.add_member(
        resident_id=approval.resident_id,
        household_id=approval.household_id,
        name_masked=approval.name_masked,
        joined_at=approval.approved_at,
    ):
        await roster.recount_members(approval.household_id)
    # A household new to the roster joins the running campaigns of its scope (once).
    await campaigns.household_changed(session, approval.household_id)


async def apply_household_event(
    session: AsyncSession, *, change: HouseholdEvent, at: datetime, event_id: str
) -> None:
    """A household created, changed, moved or deleted in the registry; the latest event wins."""
    values: dict[str, Any]
    match change:
        case HouseholdCreated():
            values = {"address": change.household_address, "grid_id": change.grid_id}
        case HouseholdUpdated():
            values = {"grid_id": change.grid_id}
        case HouseholdMoved():
            values = {"address": change.household_address, "grid_id": change.grid_id}
        case HouseholdDeleted():
            values = {}
    await RosterRepository(session).apply_household(
        household_id=change.household_id,
        at=at,
        community_code=(
            change.to_community_code
            if isinstance(change, HouseholdMoved)
            else change.community_code
        ),
        values=values,
        deleted=isinstance(change, HouseholdDeleted),
        event_id=event_id,
    )
    if not isinstance(change, HouseholdDeleted):
        # Created or moved in: it joins the running campaigns of its scope (once).
        await campaigns.household_changed(session, change.household_id)


async def apply_resident_event(
    session: AsyncSession, *, change: ResidentEvent, at: datetime, event_id: str
) -> None:
    """A resident created, changed, moved or deleted in the registry; the latest event wins,
    and the member counts of the households they left and joined are derived again."""
    roster = RosterRepository(session)
    before = await roster.member(change.resident_id)
    if isinstance(change, ResidentMoved):
        leaves = change.to_household_id is None
        household_id = change.to_household_id or (before.household_id if before else None)
        community_code = change.to_community_code or change.community_code
        if household_id is None:
            return  # moved out before the roster ever knew them: nothing to keep
    else:
        leaves = isinstance(change, ResidentDeleted)
        household_id, community_code = change.household_id, change.community_code
    await roster.ensure_household(
        household_id=household_id, community_code=community_code, event_id=event_id
    )
    values: dict[str, Any]
    match change:
        case ResidentDeleted():
            values = {}
        case ResidentTagged():
            values = {"tags": sorted(set(change.tags))}
        case ResidentCreated():
            values = {
                "name_masked": change.name_masked,
                "tags": sorted(set(change.tags)),
                "birth_year": change.birth_year,
            }
        case _:
            values = {"name_masked": change.name_masked}
    await roster.apply_member(
        resident_id=change.resident_id,
        household_id=household_id,
        at=at,
        values=values,
        deleted=leaves,
    )
    for affected in sorted({household_id, *([before.household_id] if before else [])}):
        await roster.recount_members(affected)
        await campaigns.household_changed(session, affected)


async def list_households(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[HouseholdRead]:
    """A page of the households in `division` (default: the caller's whole scope)."""
    principal.require_role(*ROSTER_READERS)
    prefix = division or principal.scope
    principal.require_scope(prefix)
    rows = await RosterRepository(session).list_households(
        division_prefix=prefix, after=HOUSEHOLD_ORDER.decode(cursor), limit=limit
    )
    return HOUSEHOLD_ORDER.page(rows, limit=limit, read=HouseholdRead.model_validate)


async def get_household(
    session: AsyncSession, *, principal: Principal, household_id: uuid.UUID
) -> HouseholdDetail:
    """One household with its residents; outside the caller's scope it does not exist."""
    principal.require_role(*ROSTER_READERS)
    roster = RosterRepository(session)
    household = await roster.get_household(household_id)
    if household is None or not principal.covers(household.community_code):
        raise HouseholdNotFound()
    members = await roster.list_members(household_id)
    return HouseholdDetail(
        **HouseholdRead.model_validate(household).model_dump(),
        residents=[RosterMemberRead.model_validate(member) for member in members],
    )
