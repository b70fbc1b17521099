"""Business rules of appointments.

Slots are materialised rows: on creation a calendar gets its slots for `horizon_days` ahead
(28 by default, four weeks), and a daily durable timer (`appointment.horizon`, at 00:10
Asia/Shanghai) adds the day that came into reach. Rows rather than slots computed on the fly,
because a booking must lock something that exists: the slot's `booked` counter moves only in a
conditional UPDATE (`booked < capacity`), so a burst of bookings queues on that row and the
(capacity + 1)-th is refused, never written. Official holidays (and days off in lieu, 调休) from
the hall's calendar and the calendar's closures get no slots; a closure of a day with bookings
cancels them, each with its event.

Each booking arms two durable timers: the reminder (`reminder_minutes` before the slot) and the
no-show (30 minutes after it ends, if still not checked in).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.conflicts import insert_or_conflict
from linli.common.errors import Forbidden
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.common.timers import cancel, schedule
from linli.service_hall import access, calendar
from linli.service_hall.appointments import events as ev
from linli.service_hall.appointments.errors import (
    AlreadyBooked,
    AppointmentNotFound,
    BadResident,
    CalendarNotFound,
    CancellationClosed,
    CheckInNotOpen,
    IllegalAppointmentMove,
    SlotFull,
    SlotNotBookable,
    SlotNotFound,
)
from linli.service_hall.appointments.repository import LISTING, AppointmentRepository
from linli.service_hall.appointments.schemas import (
    AppointmentRead,
    CalendarCreate,
    Closure,
)
from linli.service_hall.calendar import SHANGHAI
from linli.service_hall.models import (
    Appointment,
    AppointmentCalendar,
    AppointmentSlot,
    AppointmentStatus,
    ServicePoint,
)
from linli.service_hall.residents.service import known_resident
from linli.service_hall.service_points import service as points

HORIZON_TIMER = "appointment.horizon"
REMINDER_TIMER = "appointment.reminder"
NO_SHOW_TIMER = "appointment.no_show"
NO_SHOW_GRACE = timedelta(minutes=30)
CHECK_IN_OPENS = timedelta(minutes=30)


# --- calendars and slots -------------------------------------------------------------------------


def slots_of_day(cal: AppointmentCalendar, day: date) -> list[dict[str, Any]]:
    """The slots the rules give `day`: none on an official holiday or a closure."""
    if calendar.is_holiday(day) or any(c["date"] == day.isoformat() for c in cal.closures):
        return []
    rows: list[dict[str, Any]] = []
    step = timedelta(minutes=cal.slot_minutes)
    for rule in cal.rules:
        if rule["weekday"] != day.isoweekday():
            continue
        start = datetime.combine(day, time.fromisoformat(rule["opens"]), tzinfo=SHANGHAI)
        closes = datetime.combine(day, time.fromisoformat(rule["closes"]), tzinfo=SHANGHAI)
        while start + step <= closes:
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "calendar_id": cal.id,
                    "starts_at": start,
                    "ends_at": start + step,
                    "capacity": cal.capacity,
                }
            )
            start += step
    return rows


def _next_horizon_run(now: datetime) -> datetime:
    tomorrow = calendar.today(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 10), tzinfo=SHANGHAI)


async def extend(session: AsyncSession, cal: AppointmentCalendar, *, now: datetime) -> None:
    """Generate slots through today + horizon, and arm tomorrow's run."""
    today = calendar.today(now)
    through = today + timedelta(days=cal.horizon_days)
    first = max(today, (cal.generated_through or today - timedelta(days=1)) + timedelta(days=1))
    rows: list[dict[str, Any]] = []
    day = first
    while day <= through:
        rows.extend(slots_of_day(cal, day))
        day += timedelta(days=1)
    await AppointmentRepository(session).add_slots(rows)
    cal.generated_through = through
    await schedule(
        session,
        kind=HORIZON_TIMER,
        key=str(cal.id),
        due_at=_next_horizon_run(now),
        payload={"calendar_id": str(cal.id)},
    )


async def create_calendar(
    session: AsyncSession, *, calendar_in: CalendarCreate, principal: Principal, now: datetime
) -> AppointmentCalendar:
    """Staff of the service point's own level and scope open a calendar on it."""
    point = await _point(session, principal, calendar_in.service_point_id)
    access.require_owner(principal, point.division_code)
    cal = AppointmentCalendar(
        **calendar_in.model_dump(mode="json", exclude={"service_point_id"}),
        service_point_id=point.id,
        division_code=point.division_code,
        closures=[],
    )
    session.add(cal)
    await session.flush()
    await extend(session, cal, now=now)
    return cal


async def _point(session: AsyncSession, principal: Principal, point_id: uuid.UUID) -> ServicePoint:
    try:
        return await points.get(session, principal=principal, point_id=point_id)
    except points.ServicePointNotFound:
        raise CalendarNotFound() from None


async def visible_calendar(
    session: AsyncSession, principal: Principal, calendar_id: uuid.UUID, *, for_update: bool = False
) -> tuple[AppointmentCalendar, ServicePoint]:
    cal = await AppointmentRepository(session).calendar(calendar_id, for_update=for_update)
    if cal is None:
        raise CalendarNotFound()
    return cal, await _point(session, principal, cal.service_point_id)


async def list_calendars(
    session: AsyncSession, *, principal: Principal, division: str | None
) -> Sequence[AppointmentCalendar]:
    """The calendars of the service points the caller sees (see `/service-points`)."""
    halls = await points.list_points(session, principal=principal, division=division)
    return await AppointmentRepository(session).calendars_of([h.id for h in halls])


async def close_day(
    session: AsyncSession,
    *,
    principal: Principal,
    calendar_id: uuid.UUID,
    closure: Closure,
    now: datetime,
) -> AppointmentCalendar:
    """No service that day: its slots closed, their bookings cancelled (reason `closure`)."""
    cal, point = await visible_calendar(session, principal, calendar_id, for_update=True)
    access.require_owner(principal, point.division_code)
    day = closure.date
    cal.closures = [
        *[c for c in cal.closures if c["date"] != day.isoformat()],
        closure.model_dump(mode="json"),
    ]
    repository = AppointmentRepository(session)
    since = datetime.combine(day, time.min, tzinfo=SHANGHAI)
    # Slots first, then their bookings (the order a cancellation locks them in): once closed
    # under their locks, no booking can take a place, and every live one is cancelled.
    slot_ids = await repository.close_day(cal.id, since=since, until=since + timedelta(days=1))
    if slot_ids:
        for appointment in await repository.live_of_slots(slot_ids):
            slot = await repository.slot(appointment.slot_id)
            assert slot is not None
            appointment.status = AppointmentStatus.CANCELLED
            appointment.cancel_reason = "closure"
            await _disarm(session, appointment)
            await _record(
                session, ev.AppointmentCancelled, appointment, slot, cal, reason="closure"
            )
        await repository.empty(slot_ids)
    return cal


async def list_slots(
    session: AsyncSession,
    *,
    principal: Principal,
    calendar_id: uuid.UUID,
    since: date | None,
    until: date | None,
    now: datetime,
) -> Sequence[AppointmentSlot]:
    cal, _ = await visible_calendar(session, principal, calendar_id)
    first = since or calendar.today(now)
    last = until or first + timedelta(days=7)
    if last < first or (last - first).days > 92:
        raise SlotNotBookable("`until` must follow `since` by at most 92 days")
    return await AppointmentRepository(session).slots(
        cal.id,
        since=datetime.combine(first, time.min, tzinfo=SHANGHAI),
        until=datetime.combine(last + timedelta(days=1), time.min, tzinfo=SHANGHAI),
    )


async def on_horizon(session: AsyncSession, calendar_id: uuid.UUID, *, now: datetime) -> None:
    cal = await AppointmentRepository(session).calendar(calendar_id, for_update=True)
    if cal is not None:
        await extend(session, cal, now=now)


# --- bookings ------------------------------------------------------------------------------------


def read(appointment: Appointment, slot: AppointmentSlot) -> AppointmentRead:
    return AppointmentRead(
        id=appointment.id,
        slot_id=appointment.slot_id,
        calendar_id=appointment.calendar_id,
        resident_id=appointment.resident_id,
        community_code=appointment.community_code,
        status=appointment.status,
        booked_by_role=appointment.booked_by_role,
        cancel_reason=appointment.cancel_reason,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        created_at=appointment.created_at,
    )


async def _record(
    session: AsyncSession,
    kind: type[ev._AppointmentEvent],
    appointment: Appointment,
    slot: AppointmentSlot,
    cal: AppointmentCalendar,
    **extra: Any,
) -> None:
    await events_of(session).record(
        kind(
            community_code=appointment.community_code,
            appointment_id=appointment.id,
            calendar_id=cal.id,
            slot_id=slot.id,
            service_point_id=cal.service_point_id,
            resident_id=appointment.resident_id,
            starts_at=slot.starts_at,
            **extra,
        ),
        subject_id=appointment.id,
    )


async def _disarm(session: AsyncSession, appointment: Appointment) -> None:
    await cancel(session, kind=REMINDER_TIMER, key=str(appointment.id))
    await cancel(session, kind=NO_SHOW_TIMER, key=str(appointment.id))


async def _booker(
    session: AsyncSession, principal: Principal, point: ServicePoint, resident_id: uuid.UUID | None
) -> tuple[uuid.UUID, str, str]:
    """Whose booking it is, their community and the role booking: the caller, or staff for a
    resident of a community they serve."""
    if access.is_staff(principal):
        if resident_id is None:
            raise BadResident("staff book for a resident: give `resident_id`")
        resident = await known_resident(session, resident_id)
        if resident is None or not access.staff_of(principal, resident.community_code):
            raise BadResident("no such resident in the communities you serve")
        role = access.actor(principal).role
    else:
        principal.require_role(Role.RESIDENT)
        resident = await access.calling_resident(session, principal)
        if resident_id is not None and resident_id != resident.resident_id:
            raise Forbidden("a resident books for themselves")
        role = Role.RESIDENT.value
    if resident.community_code not in point.communities:
        raise BadResident("this service point does not serve the resident's community")
    return resident.resident_id, resident.community_code, role


async def book(
    session: AsyncSession,
    *,
    principal: Principal,
    slot_id: uuid.UUID,
    resident_id: uuid.UUID | None,
    now: datetime,
) -> AppointmentRead:
    """Book one place of a slot. The booking row goes first (the unique index refuses a second
    live booking of the resident), the place last: the slot's row lock is then held only for the
    commit, which is what bounds the throughput of a hot slot."""
    repository = AppointmentRepository(session)
    slot = await repository.slot(slot_id)
    if slot is None:
        raise SlotNotFound()
    cal = await repository.calendar(slot.calendar_id)
    assert cal is not None
    try:
        point = await points.get(session, principal=principal, point_id=cal.service_point_id)
    except points.ServicePointNotFound:
        raise SlotNotFound() from None
    who, community, role = await _booker(session, principal, point, resident_id)
    if slot.closed or slot.starts_at <= now:
        raise SlotNotBookable("the slot has started or its day is closed")
    starts_at, ends_at, capacity = slot.starts_at, slot.ends_at, slot.capacity
    appointment = Appointment(
        id=uuid.uuid4(),
        slot_id=slot.id,
        calendar_id=cal.id,
        resident_id=who,
        community_code=community,
        status=AppointmentStatus.BOOKED,
        booked_by_role=role,
    )
    if await insert_or_conflict(session, appointment, on={"uq_appointments_live_resident_slot"}):
        raise AlreadyBooked()
    await _record(session, ev.AppointmentBooked, appointment, slot, cal, booked_by_role=role)
    payload = {"appointment_id": str(appointment.id)}
    await schedule(
        session,
        kind=REMINDER_TIMER,
        key=str(appointment.id),
        due_at=max(starts_at - timedelta(minutes=cal.reminder_minutes), now),
        payload=payload,
    )
    await schedule(
        session,
        kind=NO_SHOW_TIMER,
        key=str(appointment.id),
        due_at=ends_at + NO_SHOW_GRACE,
        payload=payload,
    )
    if await repository.take_place(slot.id, now=now) is None:
        # The whole request rolls back: the booking row, its event and its timers go with it.
        raise SlotFull(capacity=capacity, starts_at=starts_at)
    return read(appointment, slot)


async def _own(
    session: AsyncSession, principal: Principal, appointment_id: uuid.UUID
) -> tuple[Appointment, AppointmentSlot, AppointmentCalendar]:
    """The appointment, locked, if the caller is its resident or staff serving its community."""
    repository = AppointmentRepository(session)
    appointment = await repository.appointment(appointment_id, for_update=True)
    if appointment is None or not (
        access.resident_id_of(principal) == appointment.resident_id
        or access.hall_staff_of(principal, appointment.community_code)
    ):
        raise AppointmentNotFound()
    slot = await repository.slot(appointment.slot_id)
    cal = await repository.calendar(appointment.calendar_id)
    assert slot is not None and cal is not None
    return appointment, slot, cal


async def get(
    session: AsyncSession, *, principal: Principal, appointment_id: uuid.UUID
) -> AppointmentRead:
    appointment, slot, _ = await _own(session, principal, appointment_id)
    return read(appointment, slot)


async def list_mine(
    session: AsyncSession, *, principal: Principal, cursor: str | None, limit: int
) -> Page[AppointmentRead]:
    """The calling resident's bookings, newest first."""
    resident = await access.calling_resident(session, principal)
    repository = AppointmentRepository(session)
    rows = await repository.of_resident(
        resident.resident_id, after=LISTING.decode(cursor), limit=limit
    )
    slots = await repository.slots_by_id(list({a.slot_id for a in rows}))
    return LISTING.page(rows, limit=limit, read=lambda a: read(a, slots[a.slot_id]))


async def list_of_calendar(
    session: AsyncSession,
    *,
    principal: Principal,
    calendar_id: uuid.UUID,
    day: date,
) -> list[AppointmentRead]:
    """The day's bookings of a calendar, for the counter (staff serving the point)."""
    if not access.is_staff(principal):
        raise Forbidden("the day's bookings are for hall staff")
    cal, _ = await visible_calendar(session, principal, calendar_id)
    since = datetime.combine(day, time.min, tzinfo=SHANGHAI)
    rows = await AppointmentRepository(session).of_calendar(
        cal.id, since=since, until=since + timedelta(days=1)
    )
    return [read(a, s) for a, s in rows if access.hall_staff_of(principal, a.community_code)]


async def cancel_booking(
    session: AsyncSession, *, principal: Principal, appointment_id: uuid.UUID, now: datetime
) -> AppointmentRead:
    """The slot's row is locked before the booking's, as a closure of the day locks them."""
    repository = AppointmentRepository(session)
    found = await repository.appointment(appointment_id)
    if found is not None:
        await repository.lock_slot(found.slot_id)
    appointment, slot, cal = await _own(session, principal, appointment_id)
    if appointment.status is not AppointmentStatus.BOOKED:
        raise IllegalAppointmentMove(action="cancel", status=appointment.status.value)
    cutoff = slot.starts_at - timedelta(minutes=cal.cancel_cutoff_minutes)
    if now >= cutoff:
        raise CancellationClosed(cutoff)
    reason = "resident" if access.resident_id_of(principal) == appointment.resident_id else "staff"
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason
    await repository.give_back_place(slot.id)
    await _disarm(session, appointment)
    await _record(session, ev.AppointmentCancelled, appointment, slot, cal, reason=reason)
    return read(appointment, slot)


async def check_in(
    session: AsyncSession, *, principal: Principal, appointment_id: uuid.UUID, now: datetime
) -> AppointmentRead:
    """At the counter, from 30 minutes before the slot until it ends (staff only)."""
    appointment, slot, cal = await _own(session, principal, appointment_id)
    if not access.hall_staff_of(principal, appointment.community_code):
        raise Forbidden("check-in is done by hall staff at the counter")
    if appointment.status is not AppointmentStatus.BOOKED:
        raise IllegalAppointmentMove(action="check in", status=appointment.status.value)
    if not slot.starts_at - CHECK_IN_OPENS <= now < slot.ends_at:
        raise CheckInNotOpen("check-in opens 30 minutes before the slot and closes when it ends")
    appointment.status = AppointmentStatus.CHECKED_IN
    await _disarm(session, appointment)
    await _record(session, ev.AppointmentCheckedIn, appointment, slot, cal)
    return read(appointment, slot)


async def mark_no_show(
    session: AsyncSession, *, principal: Principal, appointment_id: uuid.UUID, now: datetime
) -> AppointmentRead:
    """Staff may mark it once the slot has started (the timer does it 30 minutes after the end)."""
    appointment, slot, cal = await _own(session, principal, appointment_id)
    if not access.hall_staff_of(principal, appointment.community_code):
        raise Forbidden("no-shows are marked by hall staff")
    if appointment.status is not AppointmentStatus.BOOKED:
        raise IllegalAppointmentMove(action="mark as no-show", status=appointment.status.value)
    if now < slot.starts_at:
        raise IllegalAppointmentMove(action="mark as no-show", status="not started yet")
    await _no_show(session, appointment, slot, cal)
    return read(appointment, slot)


async def _no_show(
    session: AsyncSession,
    appointment: Appointment,
    slot: AppointmentSlot,
    cal: AppointmentCalendar,
) -> None:
    appointment.status = AppointmentStatus.NO_SHOW
    await _disarm(session, appointment)
    await _record(session, ev.AppointmentNoShow, appointment, slot, cal)


async def _timer_target(
    session: AsyncSession, appointment_id: uuid.UUID
) -> tuple[Appointment, AppointmentSlot, AppointmentCalendar] | None:
    repository = AppointmentRepository(session)
    appointment = await repository.appointment(appointment_id, for_update=True)
    if appointment is None or appointment.status is not AppointmentStatus.BOOKED:
        return None  # cancelled or checked in meanwhile: nothing to do
    slot = await repository.slot(appointment.slot_id)
    cal = await repository.calendar(appointment.calendar_id)
    assert slot is not None and cal is not None
    return appointment, slot, cal


async def on_reminder(session: AsyncSession, appointment_id: uuid.UUID) -> None:
    if target := await _timer_target(session, appointment_id):
        appointment, slot, cal = target
        await _record(
            session,
            ev.AppointmentReminderDue,
            appointment,
            slot,
            cal,
            service_name=cal.service_name,
        )


async def on_no_show(session: AsyncSession, appointment_id: uuid.UUID) -> None:
    if target := await _timer_target(session, appointment_id):
        await _no_show(session, *target)
