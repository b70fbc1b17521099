"""我要反映: residents' reports, and the hall's copy of the grid incidents they became."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.service_hall.models import Base


class ReportStatus(StrEnum):
    FILED = "filed"  # stored by the hall; the grid has not told of its incident yet
    HANDLING = "handling"  # an open incident (waiting, dispatched, in hand, escalated, reopened)
    RESOLVED = "resolved"  # the handler says it is solved: the resident's rating is awaited
    CLOSED = "closed"  # verified by the rating, or closed by staff


class Report(Base):
    """One 我要反映 report: what, where, by whom (subject, masked name), and how it stands."""

    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    address: Mapped[str] = mapped_column(String(200), nullable=False)
    building_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    latitude: Mapped[float | None] = mapped_column(Double)
    longitude: Mapped[float | None] = mapped_column(Double)
    reporter_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    reporter_name_masked: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), nullable=False
    )
    incident_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    # Set when the incident reaches `resolved`, cleared by the rating: one rating per resolution.
    awaiting_rating: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    fixed: Mapped[bool | None] = mapped_column(Boolean)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="report_rating_range"),
        Index("ix_reports_reporter", "reporter_subject", "created_at", "id"),
        Index("ix_reports_listing", "community_code", "created_at", "id"),
    )


class IncidentCopy(Base):
    """svc-grid's incident as its `incident.*` events tell it (ids, codes, states: no text).

    Every incident is kept, not only those of reports: the link (`incident.linked`) may arrive
    after other steps of its incident, and a read model must take events in any order. The
    state is that of the latest event by event time (`last_event_at`); older ones only add
    their step to the timeline.
    """

    __tablename__ = "incident_copies"

    incident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    level: Mapped[str] = mapped_column(String(32), nullable=False)
    report_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    last_event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = updated_at_column()


class IncidentCopyStep(Base):
    """One step of a copied incident's timeline, once per grid event (its CloudEvent id)."""

    __tablename__ = "incident_copy_steps"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    level: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_incident_copy_steps_incident", "incident_id", "event_time"),)


class VoicePhoto(Base):
    """A photo of a report or a proposal, kept in the service's file store."""

    __tablename__ = "voice_photos"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    owner_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("owner_kind IN ('report', 'proposal')", name="voice_photo_owner_kind"),
        Index("ix_voice_photos_owner", "owner_kind", "owner_id", "created_at"),
    )


__all__ = [
    "IncidentCopy",
    "IncidentCopyStep",
    "Report",
    "ReportStatus",
    "VoicePhoto",
]
