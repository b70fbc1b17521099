"""HTTP API of reports: `/reports`, their photos and the resident's rating."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from starlette.responses import StreamingResponse

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.files import Files
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.models.reports import ReportStatus
from linli.service_hall.reports import service
from linli.service_hall.reports.schemas import RatingIn, ReportCreate, ReportDetail, ReportRead
from linli.service_hall.voice.photos import PhotoRead, photos_of, serve_photo

router = APIRouter(prefix="/reports", tags=["reports (我要反映)"], route_class=IdempotentRoute)

_NOT_FOUND = "No such report, or not one you may see"


@router.post(
    "",
    response_model=ReportRead,
    status_code=201,
    summary="Report a problem (我要反映)",
    responses=problem_responses(
        {403: "Only registered residents report, in their own community", 422: "Invalid body"}
    ),
)
async def file_report(
    session: DbSession, principal: CurrentPrincipal, report_in: ReportCreate
) -> ReportRead:
    """File a report in your community. The grid opens an incident for it (a moment later, or
    once it is back if it is down): follow it here, `GET /reports/{id}`, to closure, and rate
    it when it is resolved. Add photos with `POST /reports/{id}/photos`."""
    report = await service.file(session, report_in=report_in, principal=principal)
    return ReportRead.model_validate(report)


@router.get(
    "",
    response_model=Page[ReportRead],
    summary="List reports",
    responses=problem_responses(
        {
            403: "Your role never reads reports, or `division` lies outside your scope",
            422: "A filter or the cursor is invalid",
        }
    ),
)
async def list_reports(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    status: Annotated[ReportStatus | None, Query(description="Only in this state")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ReportRead]:
    """Newest first: a resident's own reports; staff's of their scope (or `division` in it)."""
    return await service.list_reports(
        session,
        principal=principal,
        division=division,
        status=status,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/{report_id}",
    response_model=ReportDetail,
    summary="Read a report, its incident and timeline",
    responses=problem_responses({403: "Your role never reads reports", 404: _NOT_FOUND}),
)
async def read_report(
    session: DbSession, principal: CurrentPrincipal, report_id: uuid.UUID
) -> ReportDetail:
    """The report, the grid incident's state and every step of it so far (dispatched, accepted,
    resolved, …: when, by which role, at which level), and its photos."""
    report = await service.visible(session, principal, report_id)
    return await service.detail(session, report)


@router.post(
    "/{report_id}/rating",
    response_model=ReportRead,
    summary="Rate the resolution of a report",
    responses=problem_responses(
        {
            403: "Only the reporter rates",
            404: _NOT_FOUND,
            409: "Not resolved yet, or this resolution is rated already (`state` says where it is)",
            422: "Invalid body",
        }
    ),
)
async def rate_report(
    session: DbSession, principal: CurrentPrincipal, report_id: uuid.UUID, rating_in: RatingIn
) -> ReportRead:
    """Once the grid has resolved it: 1 to 5, and whether it is fixed. Fixed closes the report
    (the grid verifies the incident); not fixed sends it back to the grid for dispatch."""
    report = await service.rate(
        session, report_id=report_id, rating_in=rating_in, principal=principal
    )
    return ReportRead.model_validate(report)


# The router's Idempotency-Key claim fingerprints the form (fields, file names and contents):
# a retried upload with its key stores one photo and replays the answer.
@router.post(
    "/{report_id}/photos",
    response_model=PhotoRead,
    status_code=201,
    summary="Add a photo to a report",
    responses=problem_responses(
        {
            403: "Only the reporter",
            404: _NOT_FOUND,
            409: "The report is closed, or has 9 photos",
            413: "Over 10 MB",
            415: "Not a JPEG, PNG or WebP image (by its content)",
            422: "An empty file, or a path-like name",
        }
    ),
)
async def add_photo(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    report_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="A JPEG, PNG or WebP photo, at most 10 MB")],
) -> PhotoRead:
    """Up to 9 photos, while the report is open; the grid's staff see them here too."""
    photo = await service.add_report_photo(
        session, files, report_id=report_id, upload=file, principal=principal
    )
    return PhotoRead.model_validate(photo)


@router.get(
    "/{report_id}/photos",
    response_model=list[PhotoRead],
    summary="List a report's photos",
    responses=problem_responses({403: "Your role never reads reports", 404: _NOT_FOUND}),
)
async def list_photos(
    session: DbSession, principal: CurrentPrincipal, report_id: uuid.UUID
) -> list[PhotoRead]:
    report = await service.visible(session, principal, report_id)
    photos = await photos_of(session, owner_kind=service.PHOTO_OWNER, owner_id=report.id)
    return [PhotoRead.model_validate(photo) for photo in photos]


@router.get(
    "/{report_id}/photos/{photo_id}",
    response_class=StreamingResponse,
    summary="Download a report's photo",
    responses=problem_responses({403: "Your role never reads reports", 404: _NOT_FOUND}),
)
async def download_photo(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    report_id: uuid.UUID,
    photo_id: uuid.UUID,
) -> StreamingResponse:
    """The photo's bytes, to the reporter and to staff of the report's community."""
    report = await service.visible(session, principal, report_id)
    return await serve_photo(
        session, files, owner_kind=service.PHOTO_OWNER, owner_id=report.id, photo_id=photo_id
    )
