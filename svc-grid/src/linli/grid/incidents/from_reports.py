"""Incidents from the service hall's reports (我要反映), through its events, never its tables.

`report.filed` opens one incident per report, whatever the number of deliveries: the incident's
reporter is the report itself (`reporter_subject` = `hall-report:<report id>`, source
`resident`, the reporter's name masked as the hall gave it), which is also how a redelivery
under another event id finds it. The incident then goes the way of every report (SLA,
dispatch, escalation), and a `incident.linked` event tells the hall which incident answers its
report; the hall follows it from the `incident.*` events.

`report.rated` is the resident's verdict given in the hall: applied by the incident's own rate
rule (fixed verifies it, not fixed reopens it). When the incident is no longer resolved (staff
closed it meanwhile, or the verdict came already), the verdict is dropped without a
dead letter: there is nothing left to rate, and the hall learns the incident's state from its
events as always.

A report the grid cannot take (a category it does not know) is dead-lettered as unprocessable:
republished once the category exists, it opens its incident then. A building the grid's place
model does not know (yet) does not hold the report up: the incident is placed at the report's
address in its community.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal

import structlog
from pydantic import BaseModel, Field, StringConstraints, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.consumers import ConsumerSpec, UnprocessableEvent, handler
from linli.common.divisions import CommunityCodeStr
from linli.common.events import CloudEvent
from linli.grid import access
from linli.grid.incidents import service
from linli.grid.incidents.errors import IllegalMove, UnknownReference
from linli.grid.incidents.events import _IncidentEvent
from linli.grid.incidents.schemas import IncidentCreate, RatingIn
from linli.grid.models import Incident
from linli.grid.places.repository import PlaceRepository

log = structlog.get_logger("linli.grid.from_reports")

HALL_REPORTER = "hall-report:"
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ReportFiled(BaseModel):
    """The fields of the hall's `report.filed` the grid reads (its own copy)."""

    type: Literal["cn.linli.service-hall.report.filed.v1"]
    report_id: uuid.UUID
    community_code: CommunityCodeStr
    category: str = Field(max_length=64)
    title: _Text
    description: _Text
    address: _Text
    building_id: uuid.UUID | None = None
    latitude: float | None = None
    longitude: float | None = None
    reporter_name_masked: str | None = Field(default=None, max_length=32)
    photos_path: str | None = Field(default=None, max_length=200)


class ReportRated(BaseModel):
    """The fields of the hall's `report.rated` the grid reads."""

    type: Literal["cn.linli.service-hall.report.rated.v1"]
    report_id: uuid.UUID
    community_code: CommunityCodeStr
    rating: int = Field(ge=1, le=5)
    fixed: bool
    comment: str | None = Field(default=None, max_length=500)


class IncidentLinked(_IncidentEvent):
    """The incident was opened for a hall report: the hall follows the report by it."""

    verb: ClassVar[str] = "linked"
    type: Literal["cn.linli.grid.incident.linked.v1"] = "cn.linli.grid.incident.linked.v1"
    report_id: uuid.UUID


def reporter_of(report_id: uuid.UUID) -> str:
    return f"{HALL_REPORTER}{report_id}"


def _as_reporter(report_id: uuid.UUID, community_code: str) -> Principal:
    """The report as the incident's reporter: a resident of its community."""
    return Principal(
        subject=reporter_of(report_id), roles=frozenset({Role.RESIDENT}), scope=community_code
    )


async def _incident_of(session: AsyncSession, report_id: uuid.UUID) -> Incident | None:
    incident: Incident | None = await session.scalar(
        select(Incident).where(Incident.reporter_subject == reporter_of(report_id))
    )
    return incident


async def on_report_filed(session: AsyncSession, filed: ReportFiled, event: CloudEvent) -> None:
    # Two deliveries of one report (under two event ids) queue here, so one incident is made.
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(reporter_of(filed.report_id))))
    )
    if await _incident_of(session, filed.report_id) is not None:
        return
    building = (
        await PlaceRepository(session).building(filed.building_id) if filed.building_id else None
    )
    if building is not None and building.community_code != filed.community_code:
        building = None
    description = filed.description
    if filed.photos_path:
        description = f"{description}\n\n照片（服务大厅）：{filed.photos_path}"
    try:
        incident_in = IncidentCreate(
            category=filed.category,
            title=filed.title[:100],
            description=description[:2000],
            building_id=building.id if building else None,
            community_code=filed.community_code,
            address=filed.address[:200],
            latitude=filed.latitude,
            longitude=filed.longitude,
            contact_name=filed.reporter_name_masked,
        )
        incident = await service.report(
            session,
            incident_in=incident_in,
            principal=_as_reporter(filed.report_id, filed.community_code),
        )
    except (ValidationError, UnknownReference) as exc:
        raise UnprocessableEvent(
            f"report {filed.report_id} cannot become an incident: {exc}"
        ) from exc
    who = access.actor(_as_reporter(filed.report_id, filed.community_code), Role.RESIDENT)
    await service._record(
        session,
        IncidentLinked,
        incident,
        who,
        at=datetime.now(UTC),
        report_id=filed.report_id,
    )


async def on_report_rated(session: AsyncSession, rated: ReportRated, event: CloudEvent) -> None:
    incident = await _incident_of(session, rated.report_id)
    if incident is None:
        raise UnprocessableEvent(f"no incident of report {rated.report_id} to rate")
    try:
        await service.rate(
            session,
            incident_id=incident.id,
            rating_in=RatingIn(rating=rated.rating, fixed=rated.fixed, comment=rated.comment),
            principal=_as_reporter(rated.report_id, rated.community_code),
        )
    except IllegalMove:
        log.info(
            "rating of a report whose incident is not resolved: nothing to rate",
            report_id=str(rated.report_id),
            incident_id=str(incident.id),
            status=incident.status.value,
        )


HALL_REPORTS_CONSUMER = ConsumerSpec.of(
    "grid-hall-reports",
    handler(ReportFiled, on_report_filed),
    handler(ReportRated, on_report_rated),
)
