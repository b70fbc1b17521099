"""Shape of the incidents a resident reported, as staff see them before a visit."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from linli.common.divisions import Level
from linli.grid.models import IncidentStatus


class ReportedIncident(BaseModel):
    id: uuid.UUID
    community_code: str
    category_code: str
    title: str
    status: IncidentStatus
    level: Level = Field(description="The level handling it now")
    reported_at: datetime
    overdue: bool = Field(description="Past its dispatch or resolve deadline")


class ReporterIncidents(BaseModel):
    """Open incidents reported by the given login subjects, within the caller's scope."""

    incidents: list[ReportedIncident]
    open: int
