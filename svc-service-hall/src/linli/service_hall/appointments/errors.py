"""Refusals of appointments, each a problem response through the kernel's error tree."""

from __future__ import annotations

from datetime import datetime

from linli.common.errors import Conflict, FieldError, InvalidInput, NotFound
from linli.service_hall.calendar import SHANGHAI


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


class CalendarNotFound(NotFound):
    """No such appointment calendar, or not one serving the caller."""

    problem = "appointment-calendar-not-found"
    title_en = "Appointment calendar not found"
    title_zh = "预约日历不存在"


class SlotNotFound(NotFound):
    """No such slot, or not one the caller may book."""

    problem = "slot-not-found"
    title_en = "Slot not found"
    title_zh = "预约时段不存在"


class AppointmentNotFound(NotFound):
    """No such appointment, or not one the caller may see."""

    problem = "appointment-not-found"
    title_en = "Appointment not found"
    title_zh = "预约不存在"


class SlotFull(Conflict):
    """Every place of the slot is booked."""

    problem = "slot-full"
    title_en = "Slot fully booked"
    title_zh = "该时段已约满"

    def __init__(self, *, capacity: int, starts_at: datetime) -> None:
        super().__init__(
            f"the slot at {_local(starts_at)} (Asia/Shanghai) is fully booked "
            f"({capacity} of {capacity}); choose another slot",
            capacity=capacity,
        )


class SlotNotBookable(Conflict):
    """The slot has started, or its day was closed."""

    problem = "slot-not-bookable"
    title_en = "Slot not bookable"
    title_zh = "该时段不可预约"


class AlreadyBooked(Conflict):
    """The resident already holds a booking of this slot."""

    problem = "already-booked"
    title_en = "Already booked"
    title_zh = "已预约该时段"

    def __init__(self) -> None:
        super().__init__("this resident already holds a booking of this slot")


class IllegalAppointmentMove(Conflict):
    """The appointment is not in a state that allows the step."""

    problem = "illegal-appointment-move"
    title_en = "Not allowed in the appointment's current state"
    title_zh = "当前预约状态不允许此操作"

    def __init__(self, *, action: str, status: str) -> None:
        super().__init__(f"cannot {action} an appointment that is {status}", status=status)


class CancellationClosed(Conflict):
    """Past the cancellation cut-off; names it."""

    problem = "cancellation-closed"
    title_en = "Cancellation cut-off passed"
    title_zh = "已过取消截止时间"

    def __init__(self, cutoff: datetime) -> None:
        super().__init__(
            f"cancellation closed at {_local(cutoff)} (Asia/Shanghai)",
            cutoff=cutoff.isoformat(),
        )


class CheckInNotOpen(Conflict):
    """Check-in opens 30 minutes before the slot and closes when it ends."""

    problem = "check-in-not-open"
    title_en = "Check-in not open"
    title_zh = "不在签到时间内"


class BadResident(InvalidInput):
    """`resident_id` missing for a worker, unknown, or not served by this service point."""

    problem = "invalid-resident"
    title_en = "Invalid resident"
    title_zh = "居民无效"

    def __init__(self, message: str) -> None:
        super().__init__(
            message, errors=[FieldError("body.resident_id", "invalid", message, "居民无效")]
        )
