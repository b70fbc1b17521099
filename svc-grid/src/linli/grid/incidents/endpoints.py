"""HTTP API of incidents: `/incidents`, their steps, timeline and categories."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, UploadFile
from starlette.responses import StreamingResponse

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.divisions import Level
from linli.common.files import Files
from linli.common.openapi import problem_responses
from linli.common.pagination import (
    DEFAULT_LIMIT,
    ChildrenFlag,
    Cursor,
    DivisionFilter,
    Limit,
    Page,
)
from linli.grid.incidents import photos, service
from linli.grid.incidents.machine import Action
from linli.grid.incidents.schemas import (
    CATEGORY_CODE_PATTERN,
    CategoryCreate,
    CategoryRead,
    DispatchIn,
    HistoryImport,
    HistoryImported,
    IncidentCreate,
    IncidentCreated,
    IncidentDetail,
    IncidentRead,
    IncidentStats,
    MergeIn,
    NoteIn,
    PhotoRead,
    RatingIn,
    ReasonIn,
    StepRead,
)
from linli.grid.models import IncidentStatus

router = APIRouter(prefix="/incidents", tags=["incidents"])

_NOT_FOUND = "No such incident, or not one you may see"
_MOVE = {
    403: "Your role does not take this step (or you are not its handler or reporter)",
    404: _NOT_FOUND,
    409: "The incident's state does not allow this step: the problem names `state` and the "
    "`allowed` moves",
    422: "Invalid body",
}


_read = service.read_incident


@router.post(
    "/categories",
    response_model=CategoryRead,
    status_code=201,
    summary="Create an incident category",
    responses=problem_responses(
        {403: "Only city admins and ops", 409: "Code taken", 422: "Invalid body"}
    ),
)
async def create_category(
    session: DbSession, principal: CurrentPrincipal, category_in: CategoryCreate
) -> CategoryRead:
    """A kind of incident with its SLA: minutes to dispatch and hours to resolve at each level,
    and the level that handles it first."""
    category = await service.create_category(session, category_in=category_in, principal=principal)
    return CategoryRead.model_validate(category)


@router.get(
    "/categories",
    response_model=list[CategoryRead],
    summary="List incident categories",
    responses=problem_responses({}),
)
async def list_categories(session: DbSession, principal: CurrentPrincipal) -> list[CategoryRead]:
    """Every category, by code: what a reporter may choose from."""
    return [CategoryRead.model_validate(c) for c in await service.list_categories(session)]


@router.post(
    "",
    response_model=IncidentCreated,
    status_code=201,
    summary="Report an incident",
    responses=problem_responses(
        {
            403: "Your role does not report incidents, or the place lies outside your scope or "
            "(grid workers) your grids",
            422: "Invalid body, an unknown category or place",
        }
    ),
)
async def report(
    session: DbSession, principal: CurrentPrincipal, incident_in: IncidentCreate
) -> IncidentRead:
    """Report a problem (我要反映) at a building, a grid or a free address.

    Residents report anywhere; grid workers in their grids; community workers, property managers
    and the levels above in their scope. The incident starts at its category's level, and its
    dispatch deadline starts now.
    """
    incident = await service.report(session, incident_in=incident_in, principal=principal)
    return IncidentCreated(
        **_read(incident).model_dump(),
        possible_duplicates=await service.duplicate_count(session, incident),
    )


@router.post(
    "/history",
    response_model=HistoryImported,
    status_code=201,
    summary="Import incidents of a former system with their history",
    responses=problem_responses(
        {
            403: "Staff of a level only, for places in their scope",
            409: "A step the state machine does not allow: nothing is imported",
            422: "Invalid body, an unknown category or place, steps out of order or in the future",
        }
    ),
)
async def import_history(
    session: DbSession, principal: CurrentPrincipal, history_in: HistoryImport
) -> HistoryImported:
    """历史工单导入: each incident reported at its time and each step (dispatch, accept, start,
    resolve, return, close, escalate, rate) replayed at its own through the state machine, with
    its timeline, events and SLA timers; one whose deadline has passed escalates as soon as a
    replica polls. Up to 500 at once, all or nothing."""
    made = await service.import_history(session, history_in=history_in, principal=principal)
    return HistoryImported(ids=[incident.id for incident in made])


@router.get(
    "",
    response_model=Page[IncidentRead],
    summary="List incidents",
    responses=problem_responses(
        {
            403: "Your role never reads incidents, or `division` lies outside your scope",
            422: "A filter or the cursor is invalid, or an unknown query parameter",
        }
    ),
)
async def list_incidents(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    status: Annotated[IncidentStatus | None, Query(description="Only in this state")] = None,
    level: Annotated[
        Level | None, Query(description="Only handled at this level (a level's inbox)")
    ] = None,
    category: Annotated[
        str | None,
        Query(pattern=CATEGORY_CODE_PATTERN, max_length=64, description="A category code"),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[IncidentRead]:
    """Incidents you may see, newest first: residents their own reports, grid workers those of
    their grids or dispatched to them, staff every one of their scope. An escalated incident is
    in the list of the level it reached: `?level=street&status=escalated` is a street's inbox."""
    return await service.list_incidents(
        session,
        principal=principal,
        division=division,
        status=status,
        level=level,
        category=category,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/stats",
    response_model=IncidentStats,
    # `children` is absent unless asked for.
    response_model_exclude_none=True,
    summary="Open, overdue and escalated incidents per community",
    responses=problem_responses(
        {403: "Staff of a level only, and `division` within your scope", 422: "Invalid division"}
    ),
)
async def incident_stats(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    children: ChildrenFlag = False,
) -> IncidentStats:
    """Per community of the division (default: your scope), computed from the live incidents:
    open, overdue (past the dispatch or resolve deadline), escalated, and open by level. With
    `children=true`, also summed per unit one level below, in this one call."""
    return await service.stats(session, principal=principal, division=division, children=children)


@router.get(
    "/{incident_id}",
    response_model=IncidentDetail,
    summary="Read an incident and its timeline",
    responses=problem_responses({403: "Your role never reads incidents", 404: _NOT_FOUND}),
)
async def read(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID
) -> IncidentDetail:
    """The incident's state and every step so far: who (role, masked name), when, and the note.

    A resident sees the incidents they reported; a grid worker those of their grids or
    dispatched to them; staff those of their scope.
    """
    incident = await service.visible(session, principal, incident_id)
    steps = await service.timeline(session, incident)
    return IncidentDetail(
        **_read(incident).model_dump(),
        timeline=[StepRead.model_validate(step) for step in steps],
        photos=[PhotoRead.model_validate(p) for p in await photos.photos_of(session, incident)],
    )


@router.post(
    "/{incident_id}/photos",
    response_model=PhotoRead,
    status_code=201,
    summary="Add a photo to an incident",
    responses=problem_responses(
        {
            403: "Your role does not add photos",
            404: _NOT_FOUND,
            409: "The incident has its 9 photos, or was merged",
            413: "Over 10 MB",
            415: "Not a JPEG, PNG or WebP image (judged from the content)",
            422: "No file, an empty file or a bad file name",
        }
    ),
)
async def add_photo(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    incident_id: uuid.UUID,
    file: UploadFile,
) -> PhotoRead:
    """A JPEG, PNG or WebP photo (multipart `file`, at most 10 MB, 9 per incident) by anyone who
    sees the incident and reports or handles incidents; it is noted on the timeline."""
    photo = await photos.add_photo(
        session, files, incident_id=incident_id, upload=file, principal=principal
    )
    return PhotoRead.model_validate(photo)


@router.get(
    "/{incident_id}/photos/{photo_id}",
    response_class=StreamingResponse,
    summary="Read a photo of an incident",
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
        **problem_responses({403: "Your role never reads incidents", 404: _NOT_FOUND}),
    },
)
async def read_photo(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    incident_id: uuid.UUID,
    photo_id: uuid.UUID,
) -> StreamingResponse:
    """Served to those who may read the incident, and nobody else (404)."""
    return await photos.photo_response(
        session, files, incident_id=incident_id, photo_id=photo_id, principal=principal
    )


@router.get(
    "/{incident_id}/duplicates",
    response_model=list[IncidentRead],
    summary="Possible duplicates of an incident",
    responses=problem_responses({403: "Staff only", 404: _NOT_FOUND}),
)
async def duplicates(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID
) -> list[IncidentRead]:
    """Open incidents of the same category at the same building or within 50 m, reported in
    the 72 hours before it or since: candidates to merge it into (`POST …/merge`)."""
    return await service.duplicates(session, incident_id=incident_id, principal=principal)


@router.post(
    "/{incident_id}/dispatch",
    response_model=IncidentRead,
    summary="Dispatch an incident to a handler",
    responses=problem_responses(_MOVE),
)
async def dispatch(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID, dispatch_in: DispatchIn
) -> IncidentRead:
    """Staff of the incident's level (community workers, then street, district, city admins)
    hand a reported, returned or escalated incident to a grid worker."""
    return _read(
        await service.dispatch(
            session, incident_id=incident_id, dispatch_in=dispatch_in, principal=principal
        )
    )


async def _handler_step(
    session: DbSession,
    principal: CurrentPrincipal,
    incident_id: uuid.UUID,
    action: Action,
    note: str | None,
) -> IncidentRead:
    incident = await service.handler_step(
        session, incident_id=incident_id, action=action, note=note, principal=principal
    )
    return _read(incident)


@router.post(
    "/{incident_id}/accept",
    response_model=IncidentRead,
    summary="Accept a dispatched incident",
    responses=problem_responses(_MOVE),
)
async def accept(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID, body: NoteIn
) -> IncidentRead:
    """The handler it was dispatched to takes it on."""
    return await _handler_step(session, principal, incident_id, Action.ACCEPT, body.note)


@router.post(
    "/{incident_id}/start",
    response_model=IncidentRead,
    summary="Start work on an incident",
    responses=problem_responses(_MOVE),
)
async def start(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID, body: NoteIn
) -> IncidentRead:
    """The handler is on site and working on it."""
    return await _handler_step(session, principal, incident_id, Action.START, body.note)


@router.post(
    "/{incident_id}/resolve",
    response_model=IncidentRead,
    summary="Resolve an incident",
    responses=problem_responses(_MOVE),
)
async def resolve(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID, body: ReasonIn
) -> IncidentRead:
    """The handler says what was done; the reporter then verifies it (rating)."""
    return await _handler_step(session, principal, incident_id, Action.RESOLVE, body.note)


@router.post(
    "/{incident_id}/return",
    response_model=IncidentRead,
    summary="Return an incident to the dispatcher",
    responses=problem_responses(_MOVE),
)
async def return_(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID, body: ReasonIn
) -> IncidentRead:
    """The handler cannot handle it (wrong category, not theirs) and says why."""
    return await _handler_step(session, principal, incident_id, Action.RETURN, body.note)


@router.post(
    "/{incident_id}/close",
    response_model=IncidentRead,
    summary="Close an incident",
    responses=problem_responses(_MOVE),
)
async def close(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID, body: ReasonIn
) -> IncidentRead:
    """Staff of its level close it: verified, resolved without the reporter's answer, or not
    an incident at all (with the reason)."""
    return _read(
        await service.close(session, incident_id=incident_id, note=body.note, principal=principal)
    )


@router.post(
    "/{incident_id}/escalate",
    response_model=IncidentRead,
    summary="Escalate an incident one level up",
    responses=problem_responses(_MOVE),
)
async def escalate(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID, body: ReasonIn
) -> IncidentRead:
    """Staff of its level cannot solve it: it climbs to the next level (community → street →
    district → city) with the reason, published on the community's subject and the reached
    level's. Someone else escalated it first: 409."""
    return _read(
        await service.escalate(
            session, incident_id=incident_id, note=body.note, principal=principal
        )
    )


@router.post(
    "/{incident_id}/merge",
    response_model=IncidentRead,
    summary="Merge an incident into another",
    responses=problem_responses(
        {**_MOVE, 422: "Invalid body, or `into` is no open incident of yours"}
    ),
)
async def merge(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID, merge_in: MergeIn
) -> IncidentRead:
    """A duplicate: the other incident (`into`) goes on for both."""
    return _read(
        await service.merge(
            session, incident_id=incident_id, merge_in=merge_in, principal=principal
        )
    )


@router.post(
    "/{incident_id}/rating",
    response_model=IncidentRead,
    summary="Rate a resolved incident",
    responses=problem_responses({**_MOVE, 403: "Only the reporter rates it"}),
)
async def rate(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID, rating_in: RatingIn
) -> IncidentRead:
    """The reporter's verdict, 1–5 and a comment: fixed verifies it, not fixed reopens it."""
    return _read(
        await service.rate(
            session, incident_id=incident_id, rating_in=rating_in, principal=principal
        )
    )


__all__: Sequence[str] = ["router"]
