"""Events of reports, on the report's community subject.

`report.filed` carries what svc-grid needs to open the incident (category, place, title and
text) with phone and ID numbers masked, and the reporter's name masked: the text is the report
itself, which the grid must read to handle it. `report.closed` and `report.rated` carry ids,
the outcome and the rating.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class _ReportEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "report"

    report_id: uuid.UUID


class ReportFiled(_ReportEvent):
    """A resident filed a report: svc-grid opens an incident for it."""

    verb: ClassVar[str] = "filed"
    type: Literal["cn.linli.service-hall.report.filed.v1"] = "cn.linli.service-hall.report.filed.v1"
    category: str
    title: str
    description: str
    address: str
    building_id: uuid.UUID | None
    latitude: float | None
    longitude: float | None
    reporter_name_masked: str | None
    photos_path: str = Field(description="Where staff see the report's photos, in the hall's API")
    filed_at: datetime


class ReportClosed(_ReportEvent):
    """The report's incident was verified by the resident's rating or closed by staff."""

    verb: ClassVar[str] = "closed"
    type: Literal["cn.linli.service-hall.report.closed.v1"] = (
        "cn.linli.service-hall.report.closed.v1"
    )
    incident_id: uuid.UUID
    outcome: str = Field(description="The incident's state: verified or closed")
    closed_at: datetime


class ReportRated(_ReportEvent):
    """The resident rated the resolution: svc-grid verifies (fixed) or reopens the incident."""

    verb: ClassVar[str] = "rated"
    type: Literal["cn.linli.service-hall.report.rated.v1"] = "cn.linli.service-hall.report.rated.v1"
    incident_id: uuid.UUID
    rating: int = Field(ge=1, le=5)
    fixed: bool
    comment: str | None
    rated_at: datetime


ReportEvent = ReportFiled | ReportClosed | ReportRated
