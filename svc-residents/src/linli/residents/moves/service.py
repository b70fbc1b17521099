"""Business rules of moves (迁入/迁出/迁移): who records which move, and what each one changes.

Who records a move — each side acts on what its scope holds, so nobody names a record outside
their scope by id, and no hand-over between two workers is needed:
- 迁入 (`move_in`): the **receiving** community. The person is named by ID number (the worker has
  the ID card in hand): new to the platform, a record is created; moved out earlier, the same
  record returns; living in another community of the platform, that record is transferred here.
  The destination must lie in the caller's scope (403).
- 迁出 (`move_out`): the **leaving** community, for a resident or a whole household leaving the
  platform's area (named by id: 404 outside the scope). Records are kept, inactive.
- 迁移 by id (`transfer`): a caller whose scope holds **both** ends: a worker moving people between
  dwellings of their community, a street admin between communities of their street.
Community workers and street admins record moves; district and city admins read them.

A move keeps the record's id and changes its community, household and grid; a household left
without residents by a move is closed (deletion reason `moved_out`), freeing its dwelling. Every
move is a `resident_moves` row, counted (`counters`) and published (`events`), in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import write_or_conflict
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.common.pii import PiiCipher, PiiField
from linli.residents.access import MANAGE_ROLES, MOVE_ROLES
from linli.residents.households import writes
from linli.residents.households.errors import (
    DwellingOccupied,
    HouseholdNotFound,
    ResidentAlreadyRegistered,
    ResidentNotFound,
)
from linli.residents.households.events import HouseholdDeleted
from linli.residents.households.repository import (
    LIVE_DWELLING,
    LIVE_ID_NUMBER,
    HouseholdRepository,
    ResidentRepository,
)
from linli.residents.identity import mask_name
from linli.residents.models import (
    DeletionReason,
    Dwelling,
    Household,
    MoveKind,
    Resident,
    ResidentMove,
)
from linli.residents.moves.errors import AlreadyThere, MoveNotFound, NothingToMove
from linli.residents.moves.events import HouseholdMoved, ResidentMoved, Side
from linli.residents.moves.repository import MOVE_ORDER, MoveRepository
from linli.residents.moves.schemas import MoveIn, MoveOut, MoveRead, MoveTransfer
from linli.residents.stats.service import counters


@dataclass(frozen=True, slots=True)
class _Move:
    """What every row of one recorded move shares."""

    moved_at: datetime
    reason: str
    actor: Principal

    @classmethod
    def of(cls, moved_at: datetime | None, reason: str, actor: Principal) -> _Move:
        return cls(moved_at=moved_at or datetime.now(UTC), reason=reason, actor=actor)


# --- recording -----------------------------------------------------------------------------------


async def move_in(
    session: AsyncSession, *, principal: Principal, cipher: PiiCipher, move_in: MoveIn
) -> list[ResidentMove]:
    """迁入: the person arrives at a household of the caller's scope (see the module docstring)."""
    principal.require_role(*MOVE_ROLES)
    household = await writes.destination_household(
        session,
        principal,
        household_id=move_in.household_id,
        community_code=move_in.community_code,
        address=move_in.address,
    )
    move = _Move.of(move_in.moved_at, move_in.reason, principal)
    moves = MoveRepository(session)
    index = cipher.blind_index(PiiField.ID_NUMBER, move_in.id_number)
    resident = await moves.live_person(index)
    if resident is not None:
        if resident.household_id == household.id:
            raise AlreadyThere("this person already lives in this household")
        resident.relation_to_head = move_in.relation_to_head
        await writes.ensure_one_head(session, resident, household_id=household.id)
        return [await _transfer(session, resident=resident, to=household, move=move)]
    resident = await moves.moved_out_person(index)
    if resident is not None:
        await _come_back(session, resident=resident, to=household, move_in=move_in)
    else:
        resident = await writes.enter_resident(
            session, household=household, cipher=cipher, resident_in=move_in
        )
    return [
        await _record(
            session,
            ResidentMove(
                id=new_id(),
                resident_id=resident.id,
                kind=MoveKind.IN,
                whole_household=False,
                to_community_code=household.community_code,
                to_household_id=household.id,
                to_dwelling_id=household.dwelling_id,
            ),
            resident=resident,
            move=move,
        )
    ]


async def move_out(
    session: AsyncSession, *, principal: Principal, move_out: MoveOut
) -> list[ResidentMove]:
    """迁出: a resident, or every member of a household, leaves the platform's area."""
    principal.require_role(*MOVE_ROLES)
    move = _Move.of(move_out.moved_at, move_out.reason, principal)
    if move_out.resident_id is not None:
        resident = await _resident_in_scope(session, principal, move_out.resident_id)
        origin = await _origin(session, resident)
        recorded = [await _leave(session, resident=resident, origin=origin, move=move)]
        await _close_if_empty(session, origin, move=move)
        return recorded
    assert move_out.household_id is not None
    household = await _household_in_scope(session, principal, move_out.household_id)
    members = await ResidentRepository(session).members(household.id, for_update=True)
    if not members:
        raise NothingToMove("this household has no residents: delete it instead")
    recorded = [
        await _leave(session, resident=member, origin=household, move=move, whole_household=True)
        for member in members
    ]
    await _close_if_empty(session, household, move=move)
    return recorded


async def transfer(
    session: AsyncSession, *, principal: Principal, transfer_in: MoveTransfer
) -> list[ResidentMove]:
    """A resident joins another household, or a whole household moves to an empty dwelling; the
    caller's scope must hold both ends (the record by id: 404; the destination: 404 by id, 403 by
    address)."""
    principal.require_role(*MOVE_ROLES)
    move = _Move.of(transfer_in.moved_at, transfer_in.reason, principal)
    if transfer_in.resident_id is not None:
        resident = await _resident_in_scope(session, principal, transfer_in.resident_id)
        to = await writes.destination_household(
            session,
            principal,
            household_id=transfer_in.to_household_id,
            community_code=transfer_in.to_community_code,
            address=transfer_in.to_address,
        )
        if to.id == resident.household_id:
            raise AlreadyThere("the resident already lives in this household")
        await writes.ensure_one_head(session, resident, household_id=to.id)
        return [await _transfer(session, resident=resident, to=to, move=move)]
    assert transfer_in.household_id is not None
    household = await _household_in_scope(session, principal, transfer_in.household_id)
    address = transfer_in.to_address
    dwelling = await writes.dwelling_for(
        session,
        principal,
        dwelling_id=transfer_in.to_dwelling_id,
        community_code=transfer_in.to_community_code,
        building=address.building if address else None,
        unit=address.unit if address else None,
        room=address.room if address else None,
    )
    return await _move_household(session, household=household, to=dwelling, move=move)


# --- write paths ---------------------------------------------------------------------------------


async def _transfer(
    session: AsyncSession,
    *,
    resident: Resident,
    to: Household,
    move: _Move,
) -> ResidentMove:
    """*Write path*: one person's record moves to another household (any community)."""
    origin = await _origin(session, resident)
    row = ResidentMove(
        id=new_id(),
        resident_id=resident.id,
        kind=MoveKind.TRANSFER,
        whole_household=False,
        from_community_code=resident.community_code,
        from_household_id=origin.id,
        from_dwelling_id=origin.dwelling_id,
        to_community_code=to.community_code,
        to_household_id=to.id,
        to_dwelling_id=to.dwelling_id,
    )
    await _relocate(
        session,
        resident=resident,
        household_id=to.id,
        community_code=to.community_code,
        grid_id=to.grid_id,
    )
    recorded = await _record(session, row, resident=resident, move=move)
    await _close_if_empty(session, origin, move=move)
    return recorded


async def _relocate(
    session: AsyncSession,
    *,
    resident: Resident,
    household_id: uuid.UUID,
    community_code: str,
    grid_id: uuid.UUID | None,
) -> None:
    staged = counters(session)
    staged.resident(
        resident.community_code, birth_date=resident.birth_date, tags=resident.tags, delta=-1
    )
    staged.resident(community_code, birth_date=resident.birth_date, tags=resident.tags)
    if community_code != resident.community_code:
        await MoveRepository(session).hand_over_change_requests(resident.id, community_code)
    resident.household_id = household_id
    resident.community_code = community_code
    resident.grid_id = grid_id
    await session.flush()


async def _come_back(
    session: AsyncSession, *, resident: Resident, to: Household, move_in: MoveIn
) -> None:
    """*Write path*: a record kept after a move out becomes live again, at its new household."""
    # Live again inside the write: the person may have been entered anew meanwhile.
    async with write_or_conflict(session, on=[LIVE_ID_NUMBER]) as write:
        resident.deleted_at = None
        resident.deleted_by = None
        resident.deletion_reason = None
        resident.deletion_note = None
        resident.household_id = to.id
        resident.community_code = to.community_code
        resident.grid_id = to.grid_id
        resident.relation_to_head = move_in.relation_to_head
    if write.conflict:
        raise ResidentAlreadyRegistered("a resident with this ID number is already registered")
    await writes.ensure_one_head(session, resident)
    counters(session).resident(
        resident.community_code, birth_date=resident.birth_date, tags=resident.tags
    )


async def _leave(
    session: AsyncSession,
    *,
    resident: Resident,
    origin: Household,
    move: _Move,
    whole_household: bool = False,
) -> ResidentMove:
    """*Write path*: a record leaves the registry by a move out; it is kept, inactive."""
    row = ResidentMove(
        id=new_id(),
        resident_id=resident.id,
        kind=MoveKind.OUT,
        whole_household=whole_household,
        from_community_code=resident.community_code,
        from_household_id=origin.id,
        from_dwelling_id=origin.dwelling_id,
    )
    resident.deleted_at = datetime.now(UTC)
    resident.deleted_by = move.actor.subject
    resident.deletion_reason = DeletionReason.MOVED_OUT
    resident.deletion_note = move.reason
    counters(session).resident(
        resident.community_code, birth_date=resident.birth_date, tags=resident.tags, delta=-1
    )
    await session.flush()
    return await _record(session, row, resident=resident, move=move)


async def _move_household(
    session: AsyncSession, *, household: Household, to: Dwelling, move: _Move
) -> list[ResidentMove]:
    """*Write path*: a whole household moves to an empty dwelling, keeping its id."""
    if to.id == household.dwelling_id:
        raise AlreadyThere("the household already lives in this dwelling")
    members = await ResidentRepository(session).members(household.id, for_update=True)
    if not members:
        raise NothingToMove("this household has no residents: delete it instead")
    origin_code, origin_dwelling = household.community_code, household.dwelling_id
    grid_id = to.unit.building.grid_id
    async with write_or_conflict(session, on=[LIVE_DWELLING]) as write:
        household.dwelling = to
        household.community_code = to.community_code
        household.grid_id = grid_id
    if write.conflict:
        raise DwellingOccupied("this dwelling already has a household")
    staged = counters(session)
    staged.household(origin_code, delta=-1)
    staged.household(to.community_code)
    recorded = []
    for member in members:
        row = ResidentMove(
            id=new_id(),
            resident_id=member.id,
            kind=MoveKind.TRANSFER,
            whole_household=True,
            from_community_code=member.community_code,
            from_household_id=household.id,
            from_dwelling_id=origin_dwelling,
            to_community_code=to.community_code,
            to_household_id=household.id,
            to_dwelling_id=to.id,
        )
        await _relocate(
            session,
            resident=member,
            household_id=household.id,
            community_code=to.community_code,
            grid_id=grid_id,
        )
        recorded.append(await _record(session, row, resident=member, move=move))
    for side, code in _sides(origin_code, to.community_code):
        await events_of(session).record(
            HouseholdMoved(
                community_code=code,
                household_id=household.id,
                side=side,
                from_community_code=origin_code,
                from_dwelling_id=origin_dwelling,
                to_community_code=to.community_code,
                to_dwelling_id=to.id,
                household_address=to.address,
                grid_id=grid_id,
                moved_at=move.moved_at,
            ),
            subject_id=str(household.id),
        )
    return recorded


async def _close_if_empty(session: AsyncSession, household: Household, *, move: _Move) -> None:
    """*Write path*: a household whose last resident moved away is closed, freeing its dwelling."""
    if household.deleted_at is not None or await HouseholdRepository(session).live_members(
        household.id
    ):
        return
    household.deleted_at = datetime.now(UTC)
    household.deleted_by = move.actor.subject
    household.deletion_reason = DeletionReason.MOVED_OUT
    await session.flush()
    counters(session).household(household.community_code, delta=-1)
    await events_of(session).record(
        HouseholdDeleted(
            community_code=household.community_code,
            household_id=household.id,
            reason=DeletionReason.MOVED_OUT,
        ),
        subject_id=str(household.id),
    )


def _sides(origin: str | None, destination: str | None) -> list[tuple[Side, str]]:
    """The communities a move is published in: each end once (see `moves.events`)."""
    if origin is not None and origin == destination:
        return [("within", origin)]
    sides: list[tuple[Side, str]] = []
    if origin is not None:
        sides.append(("origin", origin))
    if destination is not None:
        sides.append(("destination", destination))
    return sides


async def _record(
    session: AsyncSession, row: ResidentMove, *, resident: Resident, move: _Move
) -> ResidentMove:
    row.moved_at = move.moved_at
    row.recorded_by = move.actor.subject
    row.reason = move.reason
    await MoveRepository(session).add(row)
    for side, code in _sides(row.from_community_code, row.to_community_code):
        await events_of(session).record(
            ResidentMoved(
                community_code=code,
                move_id=row.id,
                resident_id=resident.id,
                kind=row.kind,
                side=side,
                whole_household=row.whole_household,
                from_community_code=row.from_community_code,
                from_household_id=row.from_household_id,
                to_community_code=row.to_community_code,
                to_household_id=row.to_household_id,
                to_grid_id=resident.grid_id if row.to_community_code else None,
                name_masked=mask_name(resident.name),
                moved_at=row.moved_at,
            ),
            subject_id=str(resident.id),
        )
    return row


# --- who may move and see what -------------------------------------------------------------------


async def _resident_in_scope(
    session: AsyncSession, principal: Principal, resident_id: uuid.UUID
) -> Resident:
    resident = await ResidentRepository(session).get(resident_id, for_update=True)
    if resident is None or not principal.covers(resident.community_code):
        raise ResidentNotFound()
    return resident


async def _household_in_scope(
    session: AsyncSession, principal: Principal, household_id: uuid.UUID
) -> Household:
    household = await HouseholdRepository(session).get(household_id, for_update=True)
    if household is None or not principal.covers(household.community_code):
        raise HouseholdNotFound()
    return household


async def _origin(session: AsyncSession, resident: Resident) -> Household:
    """The household a resident leaves, locked: it is closed if they were its last member."""
    household = await session.get(
        Household, resident.household_id, with_for_update=True, populate_existing=True
    )
    assert household is not None  # residents.household_id is a foreign key
    return household


async def list_moves(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    resident_id: uuid.UUID | None,
    kind: MoveKind | None,
    cursor: str | None,
    limit: int,
) -> Page[MoveRead]:
    """Moves from or to a division of the caller's scope (default: all of it), newest first."""
    principal.require_role(*MANAGE_ROLES)
    division = division or principal.scope
    principal.require_scope(division)
    rows = await MoveRepository(session).list(
        division_prefix=division,
        resident_id=resident_id,
        kind=kind,
        after=MOVE_ORDER.decode(cursor),
        limit=limit,
    )
    return MOVE_ORDER.page(rows, limit=limit, read=MoveRead.from_model)


async def get_move(
    session: AsyncSession, *, principal: Principal, move_id: uuid.UUID
) -> ResidentMove:
    """A move whose origin or destination lies in the caller's scope."""
    principal.require_role(*MANAGE_ROLES)
    move = await MoveRepository(session).get(move_id)
    if move is None or not any(
        code is not None and principal.covers(code)
        for code in (move.from_community_code, move.to_community_code)
    ):
        raise MoveNotFound()
    return move
