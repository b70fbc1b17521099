"""Shapes of the hall's statistics and of one resident's cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from linli.service_hall.models import ApplicationStatus


class HallFigures(BaseModel):
    """Counted from the live applications and reports of the division's communities on every
    call, for any level (city 4 … community 12)."""

    division: str = Field(examples=["330108001"])
    applications_open: int = Field(description="Submitted, accepted, in progress or returned")
    applications_completed: int = Field(description="All time")
    applications_rejected: int = Field(description="All time")
    sla_breaches: int = Field(description="Applications that ran past their promised date, ever")
    sla_breaches_open: int = Field(description="Of those, still open")
    reports_open: int = Field(
        description="我要反映 reports not closed yet (filed, handling, resolved)"
    )
    reports_closed: int


class HallStats(HallFigures):
    """A division's figures and, with `children=true`, the same for the units one level below."""

    children: list[HallFigures] | None = Field(
        default=None,
        description="With `children=true` only: the figures of each unit one level below "
        "`division` that has applications or reports, in code order. The hall keeps no division "
        "tree, so a unit with neither is left out: its figures are all zero.",
    )


class ResidentApplication(BaseModel):
    id: uuid.UUID
    item_name: str = Field(examples=["居住证办理"])
    status: ApplicationStatus
    filed_at: datetime
    due_on: date
    overdue: bool


class ResidentHallFacts(BaseModel):
    """A resident's open applications and how many were completed: what a community worker sees
    before a visit (the resident's own view is `GET /applications`)."""

    resident_id: uuid.UUID
    community_code: str
    applications_open: list[ResidentApplication]
    applications_completed: int
