"""Incidents (事件): categories with their SLA, the incidents, and the timeline of every step."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.divisions import Level
from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.grid.models import Base


class IncidentStatus(StrEnum):
    REPORTED = "reported"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    VERIFIED = "verified"
    CLOSED = "closed"
    RETURNED = "returned"
    ESCALATED = "escalated"
    MERGED = "merged"


class IncidentSource(StrEnum):
    RESIDENT = "resident"
    GRID_WORKER = "grid_worker"
    DEPARTMENT = "department"
    SENSOR = "sensor"
    OPEN311 = "open311"


class IncidentCategory(Base):
    """A kind of incident, its SLA and the level that owns it first."""

    __tablename__ = "incident_categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    dispatch_sla_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    resolve_sla_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    owner_level: Mapped[Level] = mapped_column(str_enum(Level, "level"), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("dispatch_sla_minutes > 0", name="dispatch_sla_positive"),
        CheckConstraint("resolve_sla_hours > 0", name="resolve_sla_positive"),
    )


class Incident(Base):
    """One reported problem, where it is, who handles it at which level, and its deadlines."""

    __tablename__ = "incidents"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    grid_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    building_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Double, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Double, nullable=True)
    category_code: Mapped[str] = mapped_column(
        String(64), ForeignKey("incident_categories.code"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[IncidentSource] = mapped_column(
        str_enum(IncidentSource, "incident_source"), nullable=False
    )
    status: Mapped[IncidentStatus] = mapped_column(
        str_enum(IncidentStatus, "incident_status"), nullable=False
    )
    # The level that handles it now; it only ever rises (community → street → district → city).
    level: Mapped[Level] = mapped_column(str_enum(Level, "incident_level"), nullable=False)
    level_entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    escalations: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    dispatch_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolve_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reporter_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    reporter_role: Mapped[str] = mapped_column(String(32), nullable=False)
    reporter_name_masked: Mapped[str | None] = mapped_column(String(64))
    assignee_subject: Mapped[str | None] = mapped_column(String(64))
    assignee_name_masked: Mapped[str | None] = mapped_column(String(64))
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("incidents.id"), nullable=True
    )
    # Sensor alerts folded into this incident: the device, how many, the last one; the alarm
    # raised to the grid's on-duty worker and when it was acknowledged.
    device_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    alert_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_alert_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    alarm_worker_subject: Mapped[str | None] = mapped_column(String(64))
    alarm_raised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    alarm_acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        # Lists: newest first within a division prefix (collation "C" makes it one range).
        Index("ix_incidents_listing", "community_code", "created_at", "id"),
        Index("ix_incidents_reporter", "reporter_subject", "created_at"),
        Index("ix_incidents_grid", "grid_id"),
        # Possible duplicates: the same category, recent.
        Index("ix_incidents_category_recent", "category_code", "created_at"),
        # Folding: the latest incident of a device and category.
        Index("ix_incidents_device", "device_id", "category_code", "last_alert_at"),
    )


class IncidentStep(Base):
    """One step of an incident's timeline: what happened, who did it (role, masked name), when."""

    __tablename__ = "incident_steps"

    # A sequence, not a uuid: it orders steps written in one transaction (rated, then verified).
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32), nullable=False)
    level: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_name_masked: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_incident_steps_incident", "incident_id", "at"),)


class IncidentPhoto(Base):
    """A photo of an incident, kept in the file store; served only to those who see the incident."""

    __tablename__ = "incident_photos"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(String(300), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_incident_photos_incident", "incident_id", "created_at"),)
