"""Business rules of reports: filing (its event makes the grid incident), who sees a report,
following the incident's copy to closure, and the resident's rating, refused before resolution.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import UploadFile
from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.consumers import UnprocessableEvent
from linli.common.errors import Forbidden
from linli.common.events import redact_clear_pii
from linli.common.files import FileStore
from linli.common.outbox import events_of
from linli.common.pagination import Page, within_division
from linli.service_hall.incident_copies.repository import IncidentCopyRepository
from linli.service_hall.incident_copies.schemas import IncidentCopyRead, StepRead
from linli.service_hall.models.reports import IncidentCopy, Report, ReportStatus, VoicePhoto
from linli.service_hall.reports import events as ev
from linli.service_hall.reports.errors import NotAwaitingRating, ReportClosed, ReportNotFound
from linli.service_hall.reports.repository import LISTING, ReportRepository
from linli.service_hall.reports.schemas import RatingIn, ReportCreate, ReportDetail, ReportRead
from linli.service_hall.voice import access
from linli.service_hall.voice.photos import PhotoRead, add_photo, photos_of

PHOTO_OWNER = "report"

# The incident's state as the resident reads it.
_STATUS_OF_INCIDENT = {
    "resolved": ReportStatus.RESOLVED,
    "verified": ReportStatus.CLOSED,
    "closed": ReportStatus.CLOSED,
}


def _now() -> datetime:
    return datetime.now(UTC)


def photos_path(report_id: uuid.UUID) -> str:
    return f"/api/service-hall/reports/{report_id}/photos"


async def file(session: AsyncSession, *, report_in: ReportCreate, principal: Principal) -> Report:
    """A registered resident's report in their community; `report.filed` takes it to the grid."""
    community = access.resident_community(principal)
    who = access.actor(principal, Role.RESIDENT)
    now = _now()
    report = Report(
        community_code=community,
        status=ReportStatus.FILED,
        reporter_subject=principal.subject,
        reporter_name_masked=who.name_masked,
        created_at=now,
        updated_at=now,
        **report_in.model_dump(),
    )
    session.add(report)
    await session.flush()
    await events_of(session).record(
        ev.ReportFiled(
            community_code=community,
            report_id=report.id,
            category=report.category,
            title=redact_clear_pii(report.title),
            description=redact_clear_pii(report.description),
            address=redact_clear_pii(report.address),
            building_id=report.building_id,
            latitude=report.latitude,
            longitude=report.longitude,
            reporter_name_masked=report.reporter_name_masked,
            photos_path=photos_path(report.id),
            filed_at=now,
        ),
        subject_id=report.id,
    )
    return report


def _sees(principal: Principal, report: Report) -> bool:
    if report.reporter_subject == principal.subject:
        return True
    return principal.has_role(*access.READ_ROLES) and principal.covers(report.community_code)


async def visible(
    session: AsyncSession, principal: Principal, report_id: uuid.UUID, *, for_update: bool = False
) -> Report:
    """The report, to its reporter and to staff of its community's scope; 404 to anyone else."""
    principal.require_role(Role.RESIDENT, *access.READ_ROLES)
    report = await ReportRepository(session).get(report_id, for_update=for_update)
    if report is None or not _sees(principal, report):
        raise ReportNotFound()
    return report


async def list_reports(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    status: ReportStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[ReportRead]:
    """A resident's own reports; staff's of a division in their scope (outside it: 403)."""
    principal.require_role(Role.RESIDENT, *access.READ_ROLES)
    after = LISTING.decode(cursor)
    statement = select(Report)
    if principal.has_role(*access.READ_ROLES):
        code = division or principal.scope
        principal.require_scope(code)
        statement = statement.where(within_division(Report.community_code, code))
    else:
        statement = statement.where(
            Report.reporter_subject == principal.subject,
            within_division(Report.community_code, division) if division else true(),
        )
    if status is not None:
        statement = statement.where(Report.status == status)
    rows = (await session.scalars(LISTING.paginate(statement, after=after, limit=limit))).all()
    return LISTING.page(rows, limit=limit, read=ReportRead.model_validate)


async def detail(session: AsyncSession, report: Report) -> ReportDetail:
    """The report with the incident's state and timeline as the hall's copy holds them."""
    copies = IncidentCopyRepository(session)
    copy = await copies.get(report.incident_id) if report.incident_id else None
    steps = await copies.steps(report.incident_id) if report.incident_id else []
    photos = await photos_of(session, owner_kind=PHOTO_OWNER, owner_id=report.id)
    return ReportDetail(
        **ReportRead.model_validate(report).model_dump(),
        incident=IncidentCopyRead.model_validate(copy) if copy else None,
        timeline=[StepRead.model_validate(step) for step in steps],
        photos=[PhotoRead.model_validate(photo) for photo in photos],
    )


async def rate(
    session: AsyncSession, *, report_id: uuid.UUID, rating_in: RatingIn, principal: Principal
) -> Report:
    """The reporter's verdict on a resolved incident, once per resolution; `report.rated` takes
    it to the grid, which verifies (fixed) or reopens the incident. Before resolution: 409."""
    report = await visible(session, principal, report_id, for_update=True)
    if report.reporter_subject != principal.subject:
        raise Forbidden("only the reporter rates a report")
    copy = (
        await IncidentCopyRepository(session).get(report.incident_id)
        if report.incident_id
        else None
    )
    if not report.awaiting_rating or report.status is not ReportStatus.RESOLVED or copy is None:
        raise NotAwaitingRating(
            status=report.status.value, incident_status=copy.status if copy else None
        )
    now = _now()
    report.rating = rating_in.rating
    report.fixed = rating_in.fixed
    report.rating_comment = rating_in.comment or None
    report.rated_at = now
    report.awaiting_rating = False
    report.updated_at = now
    await events_of(session).record(
        ev.ReportRated(
            community_code=report.community_code,
            report_id=report.id,
            incident_id=copy.incident_id,
            rating=rating_in.rating,
            fixed=rating_in.fixed,
            comment=redact_clear_pii(rating_in.comment) if rating_in.comment else None,
            rated_at=now,
        ),
        subject_id=report.id,
    )
    return report


async def add_report_photo(
    session: AsyncSession,
    files: FileStore,
    *,
    report_id: uuid.UUID,
    upload: UploadFile,
    principal: Principal,
) -> VoicePhoto:
    """A photo of the report, by its reporter, while it is open."""
    report = await visible(session, principal, report_id, for_update=True)
    if report.reporter_subject != principal.subject:
        raise Forbidden("only the reporter adds photos to a report")
    if report.status is ReportStatus.CLOSED:
        raise ReportClosed("a closed report takes no more photos")
    return await add_photo(
        session,
        files,
        owner_kind=PHOTO_OWNER,
        owner_id=report.id,
        upload=upload,
        uploaded_by=principal.subject,
    )


# --- from the grid's events ----------------------------------------------------------------------


async def link(session: AsyncSession, *, report_id: uuid.UUID, incident_id: uuid.UUID) -> None:
    """The grid opened `incident_id` for the report."""
    report = await ReportRepository(session).get(report_id, for_update=True)
    if report is None:
        raise UnprocessableEvent(f"incident {incident_id} names report {report_id}, not the hall's")
    report.incident_id = incident_id


async def follow(session: AsyncSession, *, incident_id: uuid.UUID) -> None:
    """Bring the report of `incident_id` (if it has one) to the state of the incident's copy;
    reaching closed publishes `report.closed`, once."""
    report = await ReportRepository(session).of_incident(incident_id)
    if report is None:
        return
    copy = await session.get(IncidentCopy, incident_id, populate_existing=True)
    assert copy is not None  # written just before, in this transaction
    status = _STATUS_OF_INCIDENT.get(copy.status, ReportStatus.HANDLING)
    if status is report.status:
        return
    now = _now()
    # A new resolution awaits a new rating (after "not fixed", the grid resolves it again).
    report.awaiting_rating = status is ReportStatus.RESOLVED
    report.status = status
    report.updated_at = now
    if status is ReportStatus.CLOSED:
        report.closed_at = now
        await events_of(session).record(
            ev.ReportClosed(
                community_code=report.community_code,
                report_id=report.id,
                incident_id=incident_id,
                outcome=copy.status,
                closed_at=now,
            ),
            subject_id=report.id,
        )
