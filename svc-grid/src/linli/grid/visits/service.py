"""Business rules of visits: who records one and where, an incident opened from a finding in
the same transaction (through the incidents' own `report`), history, and the to-do list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from fastapi import UploadFile
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from linli.common.auth import Principal, Role
from linli.common.errors import FieldError, Forbidden, InvalidInput
from linli.common.files import PHOTOS, FileStore, discard_on_rollback, file_response
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.grid import access
from linli.grid.incidents import service as incidents
from linli.grid.incidents.schemas import IncidentCreate
from linli.grid.models import RosterHousehold, Visit, VisitPhoto, VisitTarget
from linli.grid.places.repository import PlaceRepository
from linli.grid.visits.errors import TooManyPhotos, VisitNotFound, VisitPlaceNotFound
from linli.grid.visits.events import VisitRecorded
from linli.grid.visits.repository import HISTORY_ORDER, UNVISITED_ORDER, VisitRepository
from linli.grid.visits.schemas import (
    MAX_BACKDATE_DAYS,
    UnvisitedRead,
    VisitCreate,
    VisitRead,
)

# Grid workers patrol and call; community staff visit too.
RECORDER_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_WORKER)
READER_ROLES = (
    *RECORDER_ROLES,
    Role.STREET_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.CITY_ADMIN,
    Role.AUDITOR,
)
MAX_PHOTOS = 9


def _now() -> datetime:
    return datetime.now(UTC)


async def record(session: AsyncSession, *, visit_in: VisitCreate, principal: Principal) -> Visit:
    """Record a visit where the caller works (a grid worker: in their grids), and open the
    incident a finding calls for in the same transaction."""
    principal.require_role(*RECORDER_ROLES)
    now = _now()
    visited_at = visit_in.visited_at or now
    if visited_at > now + timedelta(minutes=5) or visited_at < now - timedelta(
        days=MAX_BACKDATE_DAYS
    ):
        raise InvalidInput(
            "visited_at is in the future or more than a week ago",
            errors=[
                FieldError(
                    "body.visited_at", "out_of_range", "not in the past week", "须为最近一周内"
                )
            ],
        )
    community_code, grid_id, address = await _place(session, visit_in, principal)
    if principal.has_role(Role.GRID_WORKER) and not principal.has_role(Role.COMMUNITY_WORKER):
        grids = await PlaceRepository(session).resolve_grid_ids(principal)
        if grid_id is None or grid_id not in grids:
            raise Forbidden("grid workers record visits in their own grids")
    visit = Visit(
        community_code=community_code,
        grid_id=grid_id,
        target=visit_in.target,
        household_id=visit_in.household_id if visit_in.target is VisitTarget.HOUSEHOLD else None,
        building_id=visit_in.building_id if visit_in.target is VisitTarget.BUILDING else None,
        enterprise_name=visit_in.enterprise_name
        if visit_in.target is VisitTarget.ENTERPRISE
        else None,
        worker_subject=principal.subject,
        worker_name_masked=access.actor(principal, Role.GRID_WORKER).name_masked,
        visited_at=visited_at,
        purpose=visit_in.purpose.value,
        note=visit_in.note,
        findings=[f.model_dump(mode="json") for f in visit_in.findings],
    )
    if visit_in.open_incident is not None:
        found = visit_in.open_incident
        incident = await incidents.report(
            session,
            incident_in=IncidentCreate(
                category=found.category,
                title=found.title,
                description=found.description,
                building_id=visit_in.building_id
                if visit_in.target is VisitTarget.BUILDING
                else None,
                grid_id=grid_id if visit_in.target is not VisitTarget.BUILDING else None,
                community_code=community_code if grid_id is None else None,
                address=address,
            ),
            principal=principal,
        )
        visit.incident_id = incident.id
    session.add(visit)
    await session.flush()
    await events_of(session).record(
        VisitRecorded(
            community_code=visit.community_code,
            visit_id=visit.id,
            grid_id=visit.grid_id,
            target=visit.target,
            household_id=visit.household_id,
            building_id=visit.building_id,
            worker_subject=visit.worker_subject,
            visited_at=visit.visited_at,
            purpose=visit.purpose,
            failed_items=[f.item for f in visit_in.findings if not f.ok],
            incident_id=visit.incident_id,
        ),
        subject_id=visit.id,
    )
    return visit


async def _place(
    session: AsyncSession, visit_in: VisitCreate, principal: Principal
) -> tuple[str, uuid.UUID | None, str | None]:
    """The community, grid and address of what was visited; outside the caller's scope it
    does not exist (404)."""
    places = PlaceRepository(session)
    match visit_in.target:
        case VisitTarget.HOUSEHOLD:
            assert visit_in.household_id is not None
            household = await session.get(RosterHousehold, visit_in.household_id)
            if (
                household is None
                or household.deleted_at is not None
                or not principal.covers(household.community_code)
            ):
                raise VisitPlaceNotFound("no such household in your scope")
            return household.community_code, household.grid_id, household.address or None
        case VisitTarget.BUILDING:
            assert visit_in.building_id is not None
            building = await places.building(visit_in.building_id)
            if building is None or not principal.covers(building.community_code):
                raise VisitPlaceNotFound("no such building in your scope")
            return building.community_code, building.grid_id, building.name
        case VisitTarget.ENTERPRISE:
            if visit_in.grid_id is not None:
                grid = await places.grid(visit_in.grid_id)
                if grid is None or not principal.covers(grid.community_code):
                    raise VisitPlaceNotFound("no such grid in your scope")
                return grid.community_code, grid.id, visit_in.enterprise_name
            assert visit_in.community_code is not None
            principal.require_scope(visit_in.community_code)
            return visit_in.community_code, None, visit_in.enterprise_name


async def visible(session: AsyncSession, principal: Principal, visit_id: uuid.UUID) -> Visit:
    principal.require_role(*READER_ROLES)
    visit = await session.get(Visit, visit_id)
    if visit is None or not principal.covers(visit.community_code):
        raise VisitNotFound()
    return visit


async def history(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    household_id: uuid.UUID | None,
    grid_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> Page[VisitRead]:
    """Visits newest first: of a household, of a grid, or of a division (default: your scope)."""
    principal.require_role(*READER_ROLES)
    prefix = division or principal.scope
    principal.require_scope(prefix)
    if grid_id is not None:
        await access.grid_in_scope(session, principal, grid_id)
    rows = await VisitRepository(session).history(
        division_prefix=prefix,
        household_id=household_id,
        grid_id=grid_id,
        after=HISTORY_ORDER.decode(cursor),
        limit=limit,
    )
    return HISTORY_ORDER.page(rows, limit=limit, read=VisitRead.model_validate)


async def unvisited(
    session: AsyncSession,
    *,
    principal: Principal,
    grid_id: uuid.UUID,
    days: int,
    cursor: str | None,
    limit: int,
) -> Page[UnvisitedRead]:
    """The grid's households nobody visited in the last `days` days (a worker's to-do list)."""
    principal.require_role(*READER_ROLES)
    await access.grid_in_scope(session, principal, grid_id)
    rows = await VisitRepository(session).unvisited(
        grid_id=grid_id,
        since=_now() - timedelta(days=days),
        after=UNVISITED_ORDER.decode(cursor),
        limit=limit,
    )
    return UNVISITED_ORDER.page(
        rows, limit=limit, read=lambda row: UnvisitedRead.model_validate(row, from_attributes=True)
    )


async def add_photo(
    session: AsyncSession,
    files: FileStore,
    *,
    visit_id: uuid.UUID,
    upload: UploadFile,
    principal: Principal,
) -> VisitPhoto:
    """A photo of the visit, by the worker who recorded it; a refused file leaves nothing."""
    principal.require_role(*RECORDER_ROLES)
    visit = await session.get(Visit, visit_id, with_for_update=True)
    if visit is None or not principal.covers(visit.community_code):
        raise VisitNotFound()
    if visit.worker_subject != principal.subject:
        raise Forbidden("photos are added by the worker who recorded the visit")
    count = await session.scalar(select(func.count()).where(VisitPhoto.visit_id == visit.id))
    if (count or 0) >= MAX_PHOTOS:
        raise TooManyPhotos(f"a visit has at most {MAX_PHOTOS} photos", max_photos=MAX_PHOTOS)
    stored = await files.save(upload, PHOTOS, folder=f"visits/{visit.id}")
    discard_on_rollback(session, files, stored.key)
    photo = VisitPhoto(
        visit_id=visit.id,
        key=stored.key,
        name=stored.name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
    )
    session.add(photo)
    await session.flush()
    return photo


async def photos_of(session: AsyncSession, visit: Visit) -> Sequence[VisitPhoto]:
    statement = (
        select(VisitPhoto)
        .where(VisitPhoto.visit_id == visit.id)
        .order_by(VisitPhoto.created_at, VisitPhoto.id)
    )
    return (await session.scalars(statement)).all()


async def photo_response(
    session: AsyncSession,
    files: FileStore,
    *,
    visit_id: uuid.UUID,
    photo_id: uuid.UUID,
    principal: Principal,
) -> StreamingResponse:
    visit = await visible(session, principal, visit_id)
    photo = await session.get(VisitPhoto, photo_id)
    if photo is None or photo.visit_id != visit.id:
        raise VisitNotFound("no such photo of this visit")
    return await file_response(
        files, photo.key, content_type=photo.content_type, filename=photo.name
    )
