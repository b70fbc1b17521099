"""Appointments (预约): calendars per service point and service, their materialised slots and bookings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.service_hall.models import Base


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"


class AppointmentCalendar(Base):
    """One service offered by appointment at one service point (e.g. 免费法律咨询 on Fridays).

    `rules` are weekly: `[{"weekday": 5, "opens": "14:00", "closes": "17:00"}]`, cut into slots of
    `slot_minutes`, each taking `capacity` bookings (one per counter). `closures` are dates the
    service does not run beyond the official holidays: `[{"date": "2026-12-11", "reason": "..."}]`.
    """

    __tablename__ = "appointment_calendars"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    service_point_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_points.id"), nullable=False, index=True
    )
    division_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    service_name: Mapped[str] = mapped_column(String(64), nullable=False)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    slot_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    cancel_cutoff_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    reminder_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    horizon_days: Mapped[int] = mapped_column(Integer, nullable=False)
    closures: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    # The last date slots were generated for: the daily timer extends from the day after.
    generated_through: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("slot_minutes BETWEEN 5 AND 480", name="slot_minutes"),
        CheckConstraint("capacity BETWEEN 1 AND 1000", name="capacity"),
    )


class AppointmentSlot(Base):
    """One bookable slot; `booked` is moved only by a conditional UPDATE that keeps it ≤ capacity."""

    __tablename__ = "appointment_slots"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    calendar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointment_calendars.id"), nullable=False
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    booked: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    closed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))

    __table_args__ = (
        UniqueConstraint("calendar_id", "starts_at", name="uq_appointment_slots_calendar_start"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )


class Appointment(Base):
    """A resident's booking of a slot; at most one live booking per resident and slot."""

    __tablename__ = "appointments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_slots.id"), nullable=False)
    calendar_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    status: Mapped[AppointmentStatus] = mapped_column(
        str_enum(AppointmentStatus, "appointment_status"), nullable=False
    )
    booked_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index(
            "uq_appointments_live_resident_slot",
            "slot_id",
            "resident_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_appointments_resident", "resident_id", "created_at"),
    )
