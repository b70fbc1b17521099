"""Rules of door-to-door visits (上门办): who may ask, who assigns and calls, and each step's event.

A resident asks for themselves only when the registry's tags (the hall's copy) say they cannot
come easily: mobility-impaired, disabled, or 60 and over. A worker may file one for any resident
of their scope (the reason is then `worker`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.errors import Forbidden
from linli.common.outbox import events_of
from linli.common.pagination import Keyset, Page, within_division
from linli.service_hall import access
from linli.service_hall.access import Actor
from linli.service_hall.applications.errors import NotOffered, UnknownResident
from linli.service_hall.catalogue.errors import ItemNotFound
from linli.service_hall.catalogue.repository import CatalogueRepository
from linli.service_hall.home_visits import events as ev
from linli.service_hall.home_visits.errors import HomeVisitNotFound, IllegalVisitMove, NotEligible
from linli.service_hall.home_visits.schemas import AssignIn, HomeVisitCreate, RecordIn, ScheduleIn
from linli.service_hall.models import HomeVisit
from linli.service_hall.models import HomeVisitStatus as S
from linli.service_hall.residents.service import known_resident

LISTING = Keyset(HomeVisit.created_at, HomeVisit.id, descending=True)
# Who assigns workers to visits: the community's staff and the levels above.
ASSIGNERS = access.STAFF_ROLES
OPEN = frozenset({S.REQUESTED, S.ASSIGNED, S.SCHEDULED, S.NOT_AT_HOME})
MOVES: dict[str, frozenset[S]] = {
    "assign": OPEN,
    "schedule": frozenset({S.ASSIGNED, S.SCHEDULED, S.NOT_AT_HOME}),
    "record": frozenset({S.SCHEDULED}),
    "cancel": OPEN,
}


def _now() -> datetime:
    return datetime.now(UTC)


def allowed(status: S) -> list[str]:
    return [move for move, sources in MOVES.items() if status in sources]


def _check(visit: HomeVisit, move: str) -> None:
    if visit.status not in MOVES[move]:
        raise IllegalVisitMove(action=move, state=visit.status.value, allowed=allowed(visit.status))


async def request(
    session: AsyncSession, *, visit_in: HomeVisitCreate, principal: Principal
) -> HomeVisit:
    """A request for a home visit for an item; it appears in the community workers' list."""
    who = access.actor(principal)
    if access.is_staff(principal):
        if visit_in.resident_id is None:
            raise UnknownResident("a worker names the resident visited (resident_id)")
        resident = await known_resident(session, visit_in.resident_id)
        if resident is None:
            raise UnknownResident("the hall does not know this resident")
        principal.require_scope(resident.community_code)
        reason = resident.home_visit_reason or "worker"
    else:
        principal.require_role(Role.RESIDENT)
        resident = await access.calling_resident(session, principal)
        if visit_in.resident_id not in (None, resident.resident_id):
            raise Forbidden("a resident asks for a visit for themselves")
        if resident.home_visit_reason is None:
            raise NotEligible(
                "home visits are for residents registered as mobility-impaired, disabled or "
                "60 and over; ask a community worker to file one for you"
            )
        reason = resident.home_visit_reason
    found = await CatalogueRepository(session).current_many([visit_in.item_id])
    if visit_in.item_id not in found:
        raise ItemNotFound()
    item, version = found[visit_in.item_id]
    if not any(resident.community_code.startswith(d) for d in version.divisions):
        raise NotOffered(
            "body.item_id",
            f"{item.code} is not offered in community {resident.community_code}",
            f"事项 {item.code} 不在该社区办理",
        )
    if "home_visit" not in version.channels:
        raise NotOffered(
            "body.item_id", f"{item.code} is not done at home", f"事项 {item.code} 不支持上门办"
        )
    now = _now()
    visit = HomeVisit(
        community_code=resident.community_code,
        resident_id=resident.resident_id,
        resident_name_masked=resident.name_masked,
        address=resident.address or "-",
        item_id=item.id,
        status=S.REQUESTED,
        reason=reason,
        requested_by_role=who.role,
        note=visit_in.note,
        visits=0,
        materials_collected=[],
        created_at=now,
        updated_at=now,
    )
    session.add(visit)
    await session.flush()
    await _record(session, ev.HomeVisitRequested, visit, who, at=now, reason=reason)
    return visit


def _sees(principal: Principal, visit: HomeVisit) -> bool:
    return (
        access.resident_id_of(principal) == visit.resident_id
        or visit.worker_subject == principal.subject
        or access.hall_staff_of(principal, visit.community_code)
    )


async def visible(
    session: AsyncSession, principal: Principal, visit_id: uuid.UUID, *, for_update: bool = False
) -> HomeVisit:
    statement = select(HomeVisit).where(HomeVisit.id == visit_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    visit: HomeVisit | None = await session.scalar(statement)
    if visit is None or not _sees(principal, visit):
        raise HomeVisitNotFound()
    return visit


async def list_visits(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    status: S | None,
    mine: bool,
    cursor: str | None,
    limit: int,
) -> Page[HomeVisit]:
    """Workers: those assigned to them (`mine`), or every visit of their scope; residents: their own."""
    where: list[Any] = []
    if mine:
        where.append(HomeVisit.worker_subject == principal.subject)
    elif principal.has_role(*access.STAFF_ROLES):
        code = division or principal.scope
        principal.require_scope(code)
        where.append(within_division(HomeVisit.community_code, code))
    else:
        resident_id = access.resident_id_of(principal)
        if resident_id is None:
            principal.require_role(Role.RESIDENT, *access.FILING_STAFF)
        where.append(HomeVisit.resident_id == resident_id)
    if status is not None:
        where.append(HomeVisit.status == status)
    statement = LISTING.paginate(
        select(HomeVisit).where(*where), after=LISTING.decode(cursor), limit=limit
    )
    rows: Sequence[HomeVisit] = (await session.scalars(statement)).all()
    return LISTING.page(rows, limit=limit, read=lambda v: v)


async def assign(
    session: AsyncSession, *, visit_id: uuid.UUID, assign_in: AssignIn, principal: Principal
) -> HomeVisit:
    principal.require_role(*ASSIGNERS)
    visit = await visible(session, principal, visit_id, for_update=True)
    if not principal.covers(visit.community_code):
        raise Forbidden("only staff of the resident's community assign the visit")
    _check(visit, "assign")
    visit.worker_subject = assign_in.worker_subject
    visit.worker_name_masked = access.mask_name(assign_in.worker_name)
    now = _now()
    visit.status = S.ASSIGNED if visit.scheduled_for is None else S.SCHEDULED
    visit.updated_at = now
    await _record(
        session,
        ev.HomeVisitAssigned,
        visit,
        access.actor(principal),
        at=now,
        worker_subject=assign_in.worker_subject,
    )
    return visit


def _as_worker_or_staff(principal: Principal, visit: HomeVisit) -> Actor:
    if visit.worker_subject != principal.subject and not (
        principal.has_role(*ASSIGNERS) and principal.covers(visit.community_code)
    ):
        raise Forbidden("only the assigned worker (or the community's staff) does this")
    return access.actor(principal)


async def schedule(
    session: AsyncSession, *, visit_id: uuid.UUID, schedule_in: ScheduleIn, principal: Principal
) -> HomeVisit:
    visit = await visible(session, principal, visit_id, for_update=True)
    who = _as_worker_or_staff(principal, visit)
    _check(visit, "schedule")
    now = _now()
    visit.scheduled_for = schedule_in.at
    visit.status = S.SCHEDULED
    visit.updated_at = now
    await _record(session, ev.HomeVisitScheduled, visit, who, at=now, scheduled_for=schedule_in.at)
    return visit


async def record(
    session: AsyncSession, *, visit_id: uuid.UUID, record_in: RecordIn, principal: Principal
) -> HomeVisit:
    """The assigned worker records the call: done (with what was collected) or not at home
    (to be scheduled again)."""
    visit = await visible(session, principal, visit_id, for_update=True)
    if visit.worker_subject != principal.subject:
        raise Forbidden("only the assigned worker records the visit")
    _check(visit, "record")
    now = _now()
    visit.visits += 1
    visit.status = S.DONE if record_in.outcome == "done" else S.NOT_AT_HOME
    visit.outcome_note = record_in.note
    if record_in.outcome == "done":
        visit.materials_collected = record_in.codes()
        visit.application_id = record_in.application_id
    visit.updated_at = now
    await _record(
        session,
        ev.HomeVisitVisited,
        visit,
        access.actor(principal),
        at=now,
        outcome=record_in.outcome,
        materials_collected=list(visit.materials_collected),
        application_id=visit.application_id,
    )
    return visit


async def cancel(session: AsyncSession, *, visit_id: uuid.UUID, principal: Principal) -> HomeVisit:
    """The resident, the assigned worker or the community's staff call it off."""
    visit = await visible(session, principal, visit_id, for_update=True)
    _check(visit, "cancel")
    now = _now()
    visit.status = S.CANCELLED
    visit.updated_at = now
    await _record(session, ev.HomeVisitCancelled, visit, access.actor(principal), at=now)
    return visit


async def _record(
    session: AsyncSession,
    event_class: type[ev._HomeVisitEvent],
    visit: HomeVisit,
    who: Actor,
    *,
    at: datetime,
    **fields: Any,
) -> None:
    event = event_class(
        community_code=visit.community_code,
        home_visit_id=visit.id,
        resident_id=visit.resident_id,
        item_id=visit.item_id,
        status=visit.status.value,
        actor_role=who.role,
        at=at,
        **fields,
    )
    await events_of(session).record(event, subject_id=visit.id)
