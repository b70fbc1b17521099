"""Request and response bodies of reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linli.common.errors import InvalidValue
from linli.service_hall.incident_copies.schemas import IncidentCopyRead, StepRead
from linli.service_hall.models.reports import ReportStatus
from linli.service_hall.voice.photos import PhotoRead
from linli.service_hall.voice.text import Address, Category, Comment, ReportText, Title


class ReportCreate(BaseModel):
    """A problem to report, and where: a free address in your community, optionally its
    building (an id of the registry) and coordinates."""

    model_config = ConfigDict(extra="forbid")

    category: Category = Field(
        description="One of the grid's incident categories (GET /api/grid/incidents/categories)",
        examples=["environment.garbage"],
    )
    title: Title
    description: ReportText
    address: Address = Field(examples=["3幢2单元门口"])
    building_id: uuid.UUID | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _coordinates_together(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidValue("give latitude and longitude together", "纬度和经度须同时提供")
        return self


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5)
    fixed: bool = Field(description="False: not fixed, the grid reopens the incident")
    comment: Comment | None = None


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    category: str
    title: str
    description: str
    address: str
    building_id: uuid.UUID | None
    latitude: float | None
    longitude: float | None
    reporter_name_masked: str | None
    status: ReportStatus
    incident_id: uuid.UUID | None
    awaiting_rating: bool = Field(description="Resolved: your rating is awaited (POST …/rating)")
    rating: int | None
    fixed: bool | None
    rating_comment: str | None
    rated_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ReportDetail(ReportRead):
    incident: IncidentCopyRead | None = Field(
        description="The grid incident as the hall last heard of it (null until the grid has it)"
    )
    timeline: list[StepRead]
    photos: list[PhotoRead]
