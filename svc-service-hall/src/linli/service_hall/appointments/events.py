"""Events of appointments, on the resident's community subject: ids, times and roles only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class _AppointmentEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "appointment"

    appointment_id: uuid.UUID
    calendar_id: uuid.UUID
    slot_id: uuid.UUID
    service_point_id: uuid.UUID
    resident_id: uuid.UUID
    starts_at: datetime


class AppointmentBooked(_AppointmentEvent):
    """A resident (or a worker for them) booked a slot."""

    verb: ClassVar[str] = "booked"
    type: Literal["cn.linli.service-hall.appointment.booked.v1"] = (
        "cn.linli.service-hall.appointment.booked.v1"
    )
    booked_by_role: str


class AppointmentCancelled(_AppointmentEvent):
    """Cancelled by the resident or a worker before the cut-off, or by a closure of the day."""

    verb: ClassVar[str] = "cancelled"
    type: Literal["cn.linli.service-hall.appointment.cancelled.v1"] = (
        "cn.linli.service-hall.appointment.cancelled.v1"
    )
    reason: str = Field(description="`resident`, `staff` or `closure`")


class AppointmentCheckedIn(_AppointmentEvent):
    verb: ClassVar[str] = "checked_in"
    type: Literal["cn.linli.service-hall.appointment.checked_in.v1"] = (
        "cn.linli.service-hall.appointment.checked_in.v1"
    )


class AppointmentNoShow(_AppointmentEvent):
    """The slot ended without a check-in (the timer) or a worker marked it."""

    verb: ClassVar[str] = "no_show"
    type: Literal["cn.linli.service-hall.appointment.no_show.v1"] = (
        "cn.linli.service-hall.appointment.no_show.v1"
    )


class AppointmentReminderDue(_AppointmentEvent):
    """Time to remind the resident (the notifier sends it through their channel)."""

    verb: ClassVar[str] = "reminder_due"
    type: Literal["cn.linli.service-hall.appointment.reminder_due.v1"] = (
        "cn.linli.service-hall.appointment.reminder_due.v1"
    )
    service_name: str


AppointmentEvent = (
    AppointmentBooked
    | AppointmentCancelled
    | AppointmentCheckedIn
    | AppointmentNoShow
    | AppointmentReminderDue
)
