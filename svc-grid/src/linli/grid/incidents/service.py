"""Business rules of incidents: reporting, each step of the state machine, SLA escalation.

Every step locks the incident's row, checks the move against the state machine and the caller's
part in it, writes the change, one timeline step and its events in the request's transaction,
and (re)arms or cancels the incident's SLA timer there too: a step, its events and its timer
exist together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, true
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.conflicts import insert_or_conflict
from linli.common.divisions import LEVEL_LENGTH, DivisionCode, Level
from linli.common.errors import FieldError, Forbidden, InvalidInput
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pagination import Page, plan_per_call, within_division
from linli.common.timers import cancel, schedule
from linli.grid import access
from linli.grid.access import LEVELS, SYSTEM_ACTOR, Actor
from linli.grid.duty.repository import DutyRepository
from linli.grid.incidents import events as ev
from linli.grid.incidents.errors import (
    AssigneeNotServing,
    CategoryTaken,
    IllegalMove,
    IncidentNotFound,
    UnknownReference,
)
from linli.grid.incidents.machine import MOVES, OPEN, WAITING, Action, allowed_moves, can
from linli.grid.incidents.repository import (
    LISTING,
    IncidentRepository,
    division_counts,
    followed_by,
    listing,
    possible_duplicates,
)
from linli.grid.incidents.schemas import (
    CategoryCreate,
    DispatchIn,
    DivisionCounts,
    HistoricIncident,
    HistoryImport,
    HistoryStep,
    IncidentCreate,
    IncidentRead,
    IncidentStats,
    MergeIn,
    RatingIn,
)
from linli.grid.models import (
    Incident,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    IncidentStep,
)
from linli.grid.places.repository import PlaceRepository

# The durable timer of an incident's current SLA deadline: one per incident, moved at each step.
SLA_TIMER = "incident.sla"


# The time steps happen at: now, except while a former system's history is replayed.
_replaying_at: ContextVar[datetime | None] = ContextVar("replaying_at", default=None)


def _now() -> datetime:
    return _replaying_at.get() or datetime.now(UTC)


# --- categories ----------------------------------------------------------------------------------


async def create_category(
    session: AsyncSession, *, category_in: CategoryCreate, principal: Principal
) -> IncidentCategory:
    principal.require_role(*access.CATEGORY_ROLES)
    category = IncidentCategory(**category_in.model_dump())
    # The code is the primary key: its constraint is the one a taken code breaks.
    if await insert_or_conflict(session, category, on={"pk_incident_categories"}):
        raise CategoryTaken(f"category {category_in.code} exists")
    return category


async def list_categories(session: AsyncSession) -> Sequence[IncidentCategory]:
    return await IncidentRepository(session).categories()


# --- reading -------------------------------------------------------------------------------------


async def visible(
    session: AsyncSession, principal: Principal, incident_id: uuid.UUID, *, for_update: bool = False
) -> Incident:
    """The incident, if the caller may see it: 403 for roles that never do, 404 otherwise."""
    access.require_reader(principal)
    repository = IncidentRepository(session)
    incident = await repository.get(incident_id, for_update=for_update)
    if incident is None:
        raise IncidentNotFound()
    seen = access.sees(principal, incident, await _grids(session, principal))
    # The reporter of a duplicate merged into it follows the survivor.
    if not seen and not await repository.follows(incident.id, principal.subject):
        raise IncidentNotFound()
    return incident


async def _grids(session: AsyncSession, principal: Principal) -> frozenset[uuid.UUID]:
    """The grids the caller's token names (by id or code), as ids."""
    if not principal.grid_ids:
        return frozenset()
    return await PlaceRepository(session).resolve_grid_ids(principal)


async def list_incidents(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    status: IncidentStatus | None,
    level: Level | None,
    category: str | None,
    cursor: str | None,
    limit: int,
) -> Page[IncidentRead]:
    """The incidents the caller may see, newest first: a resident's own, a grid worker's of
    their grids or dispatched to them, staff's of their scope (a division outside it: 403)."""
    access.require_reader(principal)
    after = LISTING.decode(cursor)
    if principal.has_role(*access.READ_ROLES):
        code = division or principal.scope
        principal.require_scope(code)
        reach = None
    else:
        code = division or principal.scope
        if principal.has_role(Role.GRID_WORKER):
            principal.require_scope(code)
            reach = access.grid_worker_reach(principal, await _grids(session, principal))
        else:
            # A resident: what they reported, and what their reports were merged into.
            code = division or ""
            reach = or_(
                Incident.reporter_subject == principal.subject, followed_by(principal.subject)
            )
    within = within_division(Incident.community_code, code) if code else true()
    statement = listing(within=within, reach=reach, status=status, level=level, category=category)
    rows = (await session.scalars(LISTING.paginate(statement, after=after, limit=limit))).all()
    return LISTING.page(rows, limit=limit, read=read_incident)


def read_incident(incident: Incident) -> IncidentRead:
    read = IncidentRead.model_validate(incident)
    read.allowed_moves = allowed_moves(incident.status)
    return read


async def duplicates(
    session: AsyncSession, *, incident_id: uuid.UUID, principal: Principal
) -> list[IncidentRead]:
    """For the dispatcher: open incidents of the same category at the same building or within
    50 m, reported in the 72 hours before it or since, among those of the caller's scope."""
    incident = await visible(session, principal, incident_id)
    principal.require_role(*access.READ_ROLES)
    found = await possible_duplicates(
        session, incident, within=within_division(Incident.community_code, principal.scope)
    )
    return [read_incident(other) for other in found]


async def duplicate_count(session: AsyncSession, incident: Incident) -> int:
    """How many open incidents a new report may repeat, told to its reporter (a count only:
    the others are not theirs to read)."""
    return len(await possible_duplicates(session, incident, within=true()))


async def timeline(session: AsyncSession, incident: Incident) -> Sequence[IncidentStep]:
    return await IncidentRepository(session).steps(incident.id)


# --- reporting -----------------------------------------------------------------------------------


async def report(
    session: AsyncSession, *, incident_in: IncidentCreate, principal: Principal
) -> Incident:
    """A new incident, at the level its category names, with its SLA timer armed."""
    principal.require_role(*access.REPORT_ROLES)
    category = await IncidentRepository(session).category(incident_in.category)
    if category is None:
        raise UnknownReference("body.category", f"no category {incident_in.category}")
    community_code, grid_id = await _place(session, incident_in, principal)
    source, role = _source(principal)
    if source is not IncidentSource.RESIDENT:
        # Staff report where they work: in their scope, and a grid worker in their grids.
        principal.require_scope(community_code)
        outside_grids = grid_id is None or grid_id not in await _grids(session, principal)
        if source is IncidentSource.GRID_WORKER and outside_grids:
            raise Forbidden("grid workers report incidents of their own grids")
    incident = Incident(
        community_code=community_code,
        grid_id=grid_id,
        building_id=incident_in.building_id,
        address=incident_in.address,
        latitude=incident_in.latitude,
        longitude=incident_in.longitude,
        title=incident_in.title,
        description=incident_in.description,
        source=source,
        reporter_subject=principal.subject,
        reporter_role=role.value,
        reporter_name_masked=(
            access.mask_name(incident_in.contact_name) if incident_in.contact_name else None
        ),
    )
    return await open_incident(session, incident, category, access.actor(principal, role))


async def open_incident(
    session: AsyncSession, incident: Incident, category: IncidentCategory, who: Actor
) -> Incident:
    """Write a new incident (its place, text and reporter set by the caller) as reported at
    its category's level: deadlines, the first step, `incident.reported`, the SLA timer."""
    now = _now()
    incident.id = new_id()
    incident.category_code = category.code
    incident.status = IncidentStatus.REPORTED
    incident.level = category.owner_level
    incident.level_entered_at = now
    incident.escalations = 0
    incident.created_at = now
    incident.updated_at = now
    _set_deadlines(incident, category, since=now)
    session.add(incident)
    await session.flush()
    _add_step(session, incident, action="report", before=None, who=who, note=None, at=now)
    assert incident.dispatch_due_at is not None and incident.resolve_due_at is not None
    await _record(
        session,
        ev.IncidentReported,
        incident,
        who,
        at=now,
        source=incident.source.value,
        dispatch_due_at=incident.dispatch_due_at,
        resolve_due_at=incident.resolve_due_at,
    )
    await _arm_sla(session, incident)
    return incident


async def _place(
    session: AsyncSession, incident_in: IncidentCreate, principal: Principal
) -> tuple[str, uuid.UUID | None]:
    """The community and grid of the report's place; 422 naming a place we do not know."""
    places = PlaceRepository(session)
    if incident_in.building_id is not None:
        building = await places.building(incident_in.building_id)
        if building is None:
            raise UnknownReference("body.building_id", "no such building")
        if incident_in.grid_id is not None and incident_in.grid_id != building.grid_id:
            raise UnknownReference("body.grid_id", "the building is not in this grid")
        return building.community_code, building.grid_id
    if incident_in.grid_id is not None:
        grid = await places.grid(incident_in.grid_id)
        if grid is None:
            raise UnknownReference("body.grid_id", "no such grid")
        return grid.community_code, grid.id
    community = incident_in.community_code
    if community is None and len(principal.scope) == 12:
        community = principal.scope  # a resident's own community, a community worker's
    if community is None:
        raise UnknownReference(
            "body.community_code", "a free address needs the community it lies in"
        )
    return community, None


def _source(principal: Principal) -> tuple[IncidentSource, Role]:
    if principal.has_role(Role.RESIDENT):
        return IncidentSource.RESIDENT, Role.RESIDENT
    if principal.has_role(Role.GRID_WORKER):
        return IncidentSource.GRID_WORKER, Role.GRID_WORKER
    for role in (Role.PROPERTY_MANAGER, *access.LEVEL_ROLE.values()):
        if principal.has_role(role):
            return IncidentSource.DEPARTMENT, role
    raise Forbidden("this role does not report incidents")  # require_role ran first


# --- the steps -----------------------------------------------------------------------------------


async def dispatch(
    session: AsyncSession, *, incident_id: uuid.UUID, dispatch_in: DispatchIn, principal: Principal
) -> Incident:
    """Hand the incident to a handler; its resolve deadline now runs. At the community level the
    handler is a grid worker of the incident's grid (of its community, without a grid)."""
    incident, who = await _as_level_staff(session, principal, incident_id, Action.DISPATCH)
    if incident.level is Level.COMMUNITY:
        await _check_serves(session, incident, dispatch_in.assignee_subject)
    incident.assignee_subject = dispatch_in.assignee_subject
    incident.assignee_name_masked = access.mask_name(dispatch_in.assignee_name)
    await _move(session, incident, Action.DISPATCH, who, note=dispatch_in.note)
    await _arm_sla(session, incident)
    return incident


async def _check_serves(session: AsyncSession, incident: Incident, subject: str) -> None:
    duty = DutyRepository(session)
    if incident.grid_id is not None:
        if await duty.worker(incident.grid_id, subject) is None:
            raise AssigneeNotServing(
                f"{subject} is not a grid worker of grid {incident.grid_id}: assign them to it "
                "(PUT /grids/{id}/workers/{subject}) or dispatch to one who is"
            )
    elif not await duty.serves_community(subject, incident.community_code):
        raise AssigneeNotServing(
            f"{subject} is not a grid worker of community {incident.community_code}"
        )


async def handler_step(
    session: AsyncSession,
    *,
    incident_id: uuid.UUID,
    action: Action,
    note: str | None,
    principal: Principal,
) -> Incident:
    """Accept, start, resolve or return: steps of the handler it was dispatched to."""
    incident = await visible(session, principal, incident_id, for_update=True)
    who = access.require_assignee(principal, incident)
    _check_move(incident, action)
    if action is Action.RETURN:
        incident.assignee_subject = None
        incident.assignee_name_masked = None
    await _move(session, incident, action, who, note=note)
    if action is Action.RESOLVE:
        await cancel(session, kind=SLA_TIMER, key=str(incident.id))
    return incident


async def close(
    session: AsyncSession, *, incident_id: uuid.UUID, note: str, principal: Principal
) -> Incident:
    incident, who = await _as_level_staff(session, principal, incident_id, Action.CLOSE)
    await _move(session, incident, Action.CLOSE, who, note=note)
    await cancel(session, kind=SLA_TIMER, key=str(incident.id))
    return incident


async def merge(
    session: AsyncSession, *, incident_id: uuid.UUID, merge_in: MergeIn, principal: Principal
) -> Incident:
    """Merge the incident into another of the caller's reach, which goes on for both."""
    if not principal.has_role(*access.LEVEL_ROLE.values()):
        access.require_reader(principal)
        raise Forbidden("only staff of an incident's level merge it")
    if merge_in.into == incident_id:
        raise UnknownReference("body.into", "an incident cannot be merged into itself")
    # Both rows locked in id order, so two merges of the same pair cannot deadlock.
    first, second = sorted((incident_id, merge_in.into))
    locked = {}
    for key in (first, second):
        locked[key] = await IncidentRepository(session).get(key, for_update=True)
    survivor = locked[merge_in.into]
    grids = await _grids(session, principal)
    if (
        survivor is None
        or not access.sees(principal, survivor, grids)
        or survivor.status not in OPEN
    ):
        raise UnknownReference("body.into", "no open incident of yours to merge into")
    incident, who = await _as_level_staff(session, principal, incident_id, Action.MERGE)
    incident.merged_into_id = survivor.id
    await _move(
        session, incident, Action.MERGE, who, note=merge_in.note, merged_into_id=survivor.id
    )
    _add_step(
        session,
        survivor,
        action="absorb",
        before=survivor.status,
        who=who,
        note=f"merged from {incident.id}",
        at=incident.updated_at,
    )
    await cancel(session, kind=SLA_TIMER, key=str(incident.id))
    return incident


async def rate(
    session: AsyncSession, *, incident_id: uuid.UUID, rating_in: RatingIn, principal: Principal
) -> Incident:
    """The reporter's verdict: fixed verifies the incident, not fixed reopens it."""
    incident = await visible(session, principal, incident_id, for_update=True)
    if incident.reporter_subject != principal.subject:
        raise Forbidden("only the reporter rates an incident")
    _check_move(incident, Action.RATE)
    who = access.actor(principal, Role(incident.reporter_role))
    now = _now()
    incident.rating = rating_in.rating
    incident.rating_comment = rating_in.comment or None
    await _record(
        session,
        ev.IncidentRated,
        incident,
        who,
        at=now,
        rating=rating_in.rating,
        fixed=rating_in.fixed,
    )
    if rating_in.fixed:
        await _move(session, incident, Action.RATE, who, note=rating_in.comment, at=now)
        return incident
    before = incident.status
    incident.status = IncidentStatus.REPORTED
    incident.assignee_subject = None
    incident.assignee_name_masked = None
    incident.updated_at = now
    category = await IncidentRepository(session).category(incident.category_code)
    assert category is not None  # a foreign key
    _set_deadlines(incident, category, since=now)
    _add_step(
        session, incident, action="reopen", before=before, who=who, note=rating_in.comment, at=now
    )
    await _record(session, ev.IncidentReopened, incident, who, at=now)
    await _arm_sla(session, incident)
    return incident


async def escalate(
    session: AsyncSession, *, incident_id: uuid.UUID, note: str, principal: Principal
) -> Incident:
    """Staff of the incident's level hand it one level up, with their reason."""
    incident, who = await _as_level_staff(session, principal, incident_id, Action.ESCALATE)
    await _escalate(session, incident, who, reason=note, automatic=False)
    return incident


async def on_sla_due(
    session: AsyncSession, incident_id: uuid.UUID, level: str, *, deadline: str = "resolved"
) -> None:
    """The SLA timer of `level` ran out: escalate, unless the incident moved on meanwhile.

    The row lock and the level check make this exactly once per level: a staff escalation or a
    second replica that got there first leaves the incident at another level, and nothing
    happens here.
    """
    incident = await IncidentRepository(session).get(incident_id, for_update=True)
    if incident is None or incident.status not in OPEN or incident.level.value != level:
        return
    if incident.level is Level.CITY:
        return  # the top: overdue, counted, nowhere higher to go
    await _escalate(
        session,
        incident,
        SYSTEM_ACTOR,
        reason=f"SLA: not {deadline} in time at the {incident.level.value} level",
        automatic=True,
    )


# --- shared steps --------------------------------------------------------------------------------


async def _as_level_staff(
    session: AsyncSession, principal: Principal, incident_id: uuid.UUID, action: Action
) -> tuple[Incident, Actor]:
    """The locked incident and the caller as staff of its current level.

    403 for a caller who never handles it; 409 for staff of a level it has left (someone
    escalated it first) or for a move its state does not allow.
    """
    incident = await visible(session, principal, incident_id, for_update=True)
    role = access.handler_role(principal, incident)
    if role is None:
        if access.below_level(principal, incident):
            raise IllegalMove(
                action=action.value,
                state=incident.status.value,
                allowed=[],
                reason=f"it is handled at the {incident.level.value} level now",
            )
        raise Forbidden(
            f"only {access.LEVEL_ROLE[incident.level].value} staff handle it at its level"
        )
    _check_move(incident, action)
    return incident, access.actor(principal, role)


def _check_move(incident: Incident, action: Action) -> None:
    if not can(action, incident.status):
        raise IllegalMove(
            action=action.value,
            state=incident.status.value,
            allowed=allowed_moves(incident.status),
        )


_EVENTS: dict[Action, type[ev._IncidentEvent]] = {
    Action.DISPATCH: ev.IncidentDispatched,
    Action.ACCEPT: ev.IncidentAccepted,
    Action.START: ev.IncidentStarted,
    Action.RESOLVE: ev.IncidentResolved,
    Action.RETURN: ev.IncidentReturned,
    Action.CLOSE: ev.IncidentClosed,
    Action.MERGE: ev.IncidentMerged,
    Action.RATE: ev.IncidentVerified,
}


async def _move(
    session: AsyncSession,
    incident: Incident,
    action: Action,
    who: Actor,
    *,
    note: str | None,
    at: datetime | None = None,
    **event_fields: Any,
) -> None:
    now = at or _now()
    before = incident.status
    incident.status = MOVES[action][1]
    incident.updated_at = now
    _add_step(session, incident, action=action.value, before=before, who=who, note=note, at=now)
    await _record(session, _EVENTS[action], incident, who, at=now, **event_fields)


async def _escalate(
    session: AsyncSession, incident: Incident, who: Actor, *, reason: str, automatic: bool
) -> None:
    index = LEVELS.index(incident.level)
    if index == len(LEVELS) - 1:
        raise IllegalMove(
            action=Action.ESCALATE.value,
            state=incident.status.value,
            allowed=[m for m in allowed_moves(incident.status) if m != Action.ESCALATE.value],
            reason="the city is the top level",
        )
    now = _now()
    before, from_level = incident.status, incident.level
    incident.level = LEVELS[index + 1]
    incident.status = IncidentStatus.ESCALATED
    incident.escalations += 1
    incident.level_entered_at = now
    incident.updated_at = now
    # The new level dispatches it again, to a handler of its own, with a fresh SLA.
    incident.assignee_subject = None
    incident.assignee_name_masked = None
    category = await IncidentRepository(session).category(incident.category_code)
    assert category is not None  # a foreign key
    _set_deadlines(incident, category, since=now)
    _add_step(session, incident, action="escalate", before=before, who=who, note=reason, at=now)
    for copy_on in ("community", "level"):
        await _record(
            session,
            ev.IncidentEscalated,
            incident,
            who,
            at=now,
            from_level=from_level,
            to_level=incident.level,
            level_code=ev.level_code(incident.community_code, incident.level),
            automatic=automatic,
            copy_on=copy_on,
        )
    await _arm_sla(session, incident)


def _set_deadlines(incident: Incident, category: IncidentCategory, *, since: datetime) -> None:
    incident.dispatch_due_at = since + timedelta(minutes=category.dispatch_sla_minutes)
    incident.resolve_due_at = since + timedelta(hours=category.resolve_sla_hours)


async def _arm_sla(session: AsyncSession, incident: Incident) -> None:
    """The incident's next deadline at its level: dispatch while it waits, resolve after."""
    if incident.status not in OPEN or incident.level is Level.CITY:
        await cancel(session, kind=SLA_TIMER, key=str(incident.id))
        return
    waiting = incident.status in WAITING
    due = incident.dispatch_due_at if waiting else incident.resolve_due_at
    assert due is not None
    await schedule(
        session,
        kind=SLA_TIMER,
        key=str(incident.id),
        due_at=due,
        payload={
            "incident_id": str(incident.id),
            "level": incident.level.value,
            "deadline": "dispatched" if waiting else "resolved",
        },
    )


def note_step(
    session: AsyncSession, incident: Incident, *, action: str, who: Actor, note: str | None
) -> None:
    """A timeline step that leaves the state as it is (a photo added)."""
    now = _now()
    incident.updated_at = now
    _add_step(session, incident, action=action, before=incident.status, who=who, note=note, at=now)


def _add_step(
    session: AsyncSession,
    incident: Incident,
    *,
    action: str,
    before: IncidentStatus | None,
    who: Actor,
    note: str | None,
    at: datetime,
) -> None:
    session.add(
        IncidentStep(
            incident_id=incident.id,
            at=at,
            action=action,
            from_status=before.value if before is not None else None,
            to_status=incident.status.value,
            level=incident.level.value,
            actor_subject=who.subject,
            actor_role=who.role,
            actor_name_masked=who.name_masked,
            note=note,
        )
    )


async def _record(
    session: AsyncSession,
    event_class: type[ev._IncidentEvent],
    incident: Incident,
    who: Actor,
    *,
    at: datetime,
    **fields: Any,
) -> None:
    event = event_class(
        community_code=incident.community_code,
        incident_id=incident.id,
        grid_id=incident.grid_id,
        building_id=incident.building_id,
        category=incident.category_code,
        status=incident.status.value,
        level=incident.level,
        actor_role=who.role,
        at=at,
        **fields,
    )
    await events_of(session).record(event, subject_id=incident.id)


# --- history (历史工单): incidents of a former system, replayed -----------------------------------

_HISTORY_SOURCES = {
    "resident": (IncidentSource.RESIDENT, Role.RESIDENT),
    "grid_worker": (IncidentSource.GRID_WORKER, Role.GRID_WORKER),
    "department": (IncidentSource.DEPARTMENT, Role.PROPERTY_MANAGER),
}
HISTORY = "history"


async def import_history(
    session: AsyncSession, *, history_in: HistoryImport, principal: Principal
) -> list[Incident]:
    """Each incident reported at its time and every step replayed through the state machine at
    its own: the same timeline, events and SLA timers a live incident gets, so one whose
    deadline passed in the former system escalates as soon as a replica polls. All or nothing:
    a step the machine refuses refuses the whole import (409 naming state and moves)."""
    principal.require_role(*access.LEVEL_ROLE.values())
    now = datetime.now(UTC)
    made = []
    for index, item in enumerate(history_in.incidents):
        where = f"body.incidents[{index}]"
        last = item.steps[-1].at if item.steps else item.reported_at
        if last > now:
            raise _history_error(f"{where}.steps", "the history lies in the future")
        category = await IncidentRepository(session).category(item.category)
        if category is None:
            raise UnknownReference(f"{where}.category", f"no category {item.category}")
        community_code, grid_id = await _place(session, item, principal)
        principal.require_scope(community_code)
        source, role = _HISTORY_SOURCES[item.source]
        reporter = Actor(subject=HISTORY, role=role.value)
        clock = _replaying_at.set(item.reported_at)
        try:
            incident = await open_incident(
                session, _historic(item, community_code, grid_id, source, role), category, reporter
            )
            for number, step in enumerate(item.steps):
                _replaying_at.set(step.at)
                await _replay(session, incident, step, reporter, f"{where}.steps[{number}]")
        finally:
            _replaying_at.reset(clock)
        made.append(incident)
    return made


def _historic(
    item: HistoricIncident,
    community_code: str,
    grid_id: uuid.UUID | None,
    source: IncidentSource,
    role: Role,
) -> Incident:
    return Incident(
        community_code=community_code,
        grid_id=grid_id,
        building_id=item.building_id,
        address=item.address,
        latitude=item.latitude,
        longitude=item.longitude,
        title=item.title,
        description=item.description,
        source=source,
        reporter_subject=HISTORY,
        reporter_role=role.value,
        reporter_name_masked=access.mask_name(item.contact_name) if item.contact_name else None,
    )


def _history_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[FieldError(field, "history", message, message)])


async def _replay(
    session: AsyncSession, incident: Incident, step: HistoryStep, reporter: Actor, where: str
) -> None:
    action = Action(step.action)
    _check_move(incident, action)
    staff = Actor(subject=HISTORY, role=access.LEVEL_ROLE[incident.level].value)
    handler = Actor(
        subject=incident.assignee_subject or HISTORY,
        role=Role.GRID_WORKER.value,
        name_masked=incident.assignee_name_masked,
    )
    if action is Action.DISPATCH:
        if step.assignee_subject is None or step.assignee_name is None:
            raise _history_error(f"{where}.assignee_subject", "a dispatch names its handler")
        incident.assignee_subject = step.assignee_subject
        incident.assignee_name_masked = access.mask_name(step.assignee_name)
        await _move(session, incident, action, staff, note=step.note)
        await _arm_sla(session, incident)
    elif action is Action.ESCALATE:
        await _escalate(session, incident, staff, reason=step.note or "escalated", automatic=False)
    elif action is Action.RATE:
        if step.rating is None:
            raise _history_error(f"{where}.rating", "a rating gives its score")
        incident.rating = step.rating
        await _record(
            session,
            ev.IncidentRated,
            incident,
            reporter,
            at=step.at,
            rating=step.rating,
            fixed=True,
        )
        await _move(session, incident, action, reporter, note=step.note)
    else:
        if action is Action.RETURN:
            incident.assignee_subject = None
            incident.assignee_name_masked = None
        await _move(
            session, incident, action, staff if action is Action.CLOSE else handler, note=step.note
        )
        if action in (Action.RESOLVE, Action.CLOSE):
            await cancel(session, kind=SLA_TIMER, key=str(incident.id))


# --- figures -------------------------------------------------------------------------------------


async def stats(
    session: AsyncSession, *, principal: Principal, division: str | None, children: bool = False
) -> IncidentStats:
    """Open, overdue and escalated incidents per community of a division of the caller's scope;
    with `children`, summed per unit one level below too: from the same grouped rows, so the
    breakdown costs no query of its own."""
    principal.require_role(*access.READ_ROLES)
    code = division or principal.scope
    principal.require_scope(code)
    await plan_per_call(session)
    rows = await division_counts(
        session, within=within_division(Incident.community_code, code), now=_now()
    )
    communities = [DivisionCounts.model_validate(row, from_attributes=True) for row in rows]
    below = None
    if children:
        level = DivisionCode.parse(code).child_level()
        groups: dict[str, list[DivisionCounts]] = {}
        if level is not None:
            for community in communities:
                child = community.community_code[: LEVEL_LENGTH[level]]
                groups.setdefault(child, []).append(community)
        below = [_summed(child, groups[child]) for child in sorted(groups)]
    return IncidentStats(
        division=code, total=_summed(code, communities), communities=communities, children=below
    )


def _summed(code: str, communities: Sequence[DivisionCounts]) -> DivisionCounts:
    fields = [name for name in DivisionCounts.model_fields if name != "community_code"]
    return DivisionCounts(
        community_code=code,
        **{name: sum(getattr(c, name) for c in communities) for name in fields},
    )
