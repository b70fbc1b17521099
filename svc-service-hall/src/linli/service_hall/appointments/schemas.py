"""What the appointments API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linli.common.errors import InvalidValue
from linli.service_hall.dates import BusinessDate
from linli.service_hall.models import AppointmentStatus

_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class WeeklyRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=1, le=7, description="ISO weekday: 1 Monday … 7 Sunday")
    opens: str = Field(pattern=_HHMM, examples=["14:00"])
    closes: str = Field(pattern=_HHMM, examples=["17:00"])

    @model_validator(mode="after")
    def _ordered(self) -> WeeklyRule:
        if self.closes <= self.opens:
            raise InvalidValue("a session closes after it opens", "结束时间须晚于开始时间")
        return self


class Closure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: BusinessDate
    reason: str = Field(min_length=1, max_length=64, examples=["律师外出培训"])


class CalendarCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_point_id: uuid.UUID
    service_name: str = Field(min_length=1, max_length=64, examples=["免费法律咨询"])
    rules: list[WeeklyRule] = Field(min_length=1, max_length=21)
    slot_minutes: int = Field(ge=5, le=480, examples=[20])
    capacity: int = Field(ge=1, le=1000, description="Bookings per slot (one per counter)")
    cancel_cutoff_minutes: int = Field(
        default=120, ge=0, le=10080, description="Cancellation closes this long before the slot"
    )
    reminder_minutes: int = Field(
        default=1440, ge=0, le=10080, description="`appointment.reminder_due` this long before"
    )
    horizon_days: int = Field(
        default=28, ge=1, le=90, description="How far ahead slots are open for booking"
    )


class CalendarRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    service_point_id: uuid.UUID
    division_code: str
    service_name: str
    rules: list[WeeklyRule]
    slot_minutes: int
    capacity: int
    cancel_cutoff_minutes: int
    reminder_minutes: int
    horizon_days: int
    closures: list[Closure]
    generated_through: date | None
    created_at: datetime


class SlotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    calendar_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    closed: bool


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: uuid.UUID
    resident_id: uuid.UUID | None = Field(
        default=None, description="Staff booking for a resident (at the counter, by phone)"
    )


class AppointmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slot_id: uuid.UUID
    calendar_id: uuid.UUID
    resident_id: uuid.UUID
    community_code: str
    status: AppointmentStatus
    booked_by_role: str
    cancel_reason: str | None
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
