"""HTTP API of appointments: `/appointment-calendars` (calendars, closures, slots) and
`/appointments` (book, cancel, check in, no-show)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.appointments import service
from linli.service_hall.appointments.schemas import (
    AppointmentRead,
    BookingCreate,
    CalendarCreate,
    CalendarRead,
    Closure,
    SlotRead,
)
from linli.service_hall.clock import Now
from linli.service_hall.dates import BusinessDate

calendars = APIRouter(
    prefix="/appointment-calendars", tags=["appointments"], route_class=IdempotentRoute
)
bookings = APIRouter(prefix="/appointments", tags=["appointments"], route_class=IdempotentRoute)

_NOT_FOUND = "No such calendar, or not one serving you"
_UNKNOWN = "A resident the hall does not know yet, or a role that may not"


@calendars.post(
    "",
    response_model=CalendarRead,
    status_code=201,
    summary="Open an appointment calendar",
    responses=problem_responses(
        {403: "Only staff of the service point's level and scope", 404: _NOT_FOUND, 422: "Invalid"}
    ),
)
async def create_calendar(
    session: DbSession, principal: CurrentPrincipal, now: Now, calendar_in: CalendarCreate
) -> CalendarRead:
    """A service by appointment at a service point (免费法律咨询, Fridays 14:00–17:00 in 20-minute
    slots, one per counter). Slots open `horizon_days` ahead, skipping official holidays."""
    cal = await service.create_calendar(
        session, calendar_in=calendar_in, principal=principal, now=now
    )
    return CalendarRead.model_validate(cal)


@calendars.get(
    "",
    response_model=list[CalendarRead],
    summary="List appointment calendars",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_calendars(
    session: DbSession, principal: CurrentPrincipal, division: DivisionFilter = None
) -> list[CalendarRead]:
    """Residents: the calendars of the halls serving their community. Staff: within `division`."""
    found = await service.list_calendars(session, principal=principal, division=division)
    return [CalendarRead.model_validate(c) for c in found]


@calendars.get(
    "/{calendar_id}",
    response_model=CalendarRead,
    summary="Read an appointment calendar",
    responses=problem_responses({403: _UNKNOWN, 404: _NOT_FOUND}),
)
async def get_calendar(
    session: DbSession, principal: CurrentPrincipal, calendar_id: uuid.UUID
) -> CalendarRead:
    cal, _ = await service.visible_calendar(session, principal, calendar_id)
    return CalendarRead.model_validate(cal)


@calendars.post(
    "/{calendar_id}/closures",
    response_model=CalendarRead,
    summary="Close a day",
    responses=problem_responses(
        {403: "Only staff of the service point's level and scope", 404: _NOT_FOUND}
    ),
)
async def close_day(
    session: DbSession,
    principal: CurrentPrincipal,
    now: Now,
    calendar_id: uuid.UUID,
    closure: Closure,
) -> CalendarRead:
    """No service that day: its slots close and their bookings are cancelled (reason `closure`),
    each with `appointment.cancelled`."""
    cal = await service.close_day(
        session, principal=principal, calendar_id=calendar_id, closure=closure, now=now
    )
    return CalendarRead.model_validate(cal)


@calendars.get(
    "/{calendar_id}/slots",
    response_model=list[SlotRead],
    summary="List slots",
    responses=problem_responses(
        {403: _UNKNOWN, 404: _NOT_FOUND, 409: "`until` before `since` or too far"}
    ),
)
async def list_slots(
    session: DbSession,
    principal: CurrentPrincipal,
    now: Now,
    calendar_id: uuid.UUID,
    since: BusinessDate | None = Query(
        default=None, description="First day (Asia/Shanghai); today"
    ),
    until: BusinessDate | None = Query(default=None, description="Last day, inclusive; since + 7"),
) -> list[SlotRead]:
    """Slots with their capacity and bookings; `capacity - booked` places are free."""
    slots = await service.list_slots(
        session, principal=principal, calendar_id=calendar_id, since=since, until=until, now=now
    )
    return [SlotRead.model_validate(s) for s in slots]


@calendars.get(
    "/{calendar_id}/appointments",
    response_model=list[AppointmentRead],
    summary="The day's bookings (staff)",
    responses=problem_responses({403: "Residents", 404: _NOT_FOUND}),
)
async def list_day(
    session: DbSession,
    principal: CurrentPrincipal,
    calendar_id: uuid.UUID,
    day: BusinessDate = Query(description="The day (Asia/Shanghai)"),
) -> list[AppointmentRead]:
    return await service.list_of_calendar(
        session, principal=principal, calendar_id=calendar_id, day=day
    )


@bookings.post(
    "",
    response_model=AppointmentRead,
    status_code=201,
    summary="Book a slot",
    responses=problem_responses(
        {
            403: _UNKNOWN,
            404: "No such slot, or not one serving you",
            409: "The slot is full (`slot-full`), started or closed, or already booked by you",
            422: "Staff without `resident_id`, or a resident the point does not serve",
        }
    ),
)
async def book(
    session: DbSession, principal: CurrentPrincipal, now: Now, booking_in: BookingCreate
) -> AppointmentRead:
    """A resident books a place for themselves; staff book for a resident (`resident_id`).
    A full slot is refused with 409 `slot-full`, never over-booked."""
    return await service.book(
        session,
        principal=principal,
        slot_id=booking_in.slot_id,
        resident_id=booking_in.resident_id,
        now=now,
    )


@bookings.get(
    "",
    response_model=Page[AppointmentRead],
    summary="My appointments",
    responses=problem_responses({403: "A resident the hall does not know yet"}),
)
async def list_mine(
    session: DbSession,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[AppointmentRead]:
    """The calling resident's bookings, newest first, in every state."""
    return await service.list_mine(session, principal=principal, cursor=cursor, limit=limit)


@bookings.get(
    "/{appointment_id}",
    response_model=AppointmentRead,
    summary="Read an appointment",
    responses=problem_responses({404: "No such appointment, or not yours"}),
)
async def get(
    session: DbSession, principal: CurrentPrincipal, appointment_id: uuid.UUID
) -> AppointmentRead:
    return await service.get(session, principal=principal, appointment_id=appointment_id)


_STEP = problem_responses(
    {
        403: "A step for hall staff",
        404: "No such appointment, or not yours",
        409: "Not allowed in its state, or outside its time",
    }
)


@bookings.post("/{appointment_id}/cancel", response_model=AppointmentRead, responses=_STEP)
async def cancel(
    session: DbSession, principal: CurrentPrincipal, now: Now, appointment_id: uuid.UUID
) -> AppointmentRead:
    """Until the calendar's cut-off before the slot (the refusal names it); the place is freed."""
    return await service.cancel_booking(
        session, principal=principal, appointment_id=appointment_id, now=now
    )


@bookings.post("/{appointment_id}/check-in", response_model=AppointmentRead, responses=_STEP)
async def check_in(
    session: DbSession, principal: CurrentPrincipal, now: Now, appointment_id: uuid.UUID
) -> AppointmentRead:
    """Staff at the counter, from 30 minutes before the slot until it ends."""
    return await service.check_in(
        session, principal=principal, appointment_id=appointment_id, now=now
    )


@bookings.post("/{appointment_id}/no-show", response_model=AppointmentRead, responses=_STEP)
async def no_show(
    session: DbSession, principal: CurrentPrincipal, now: Now, appointment_id: uuid.UUID
) -> AppointmentRead:
    """Staff, once the slot started; the timer marks it 30 minutes after the slot ends anyway."""
    return await service.mark_no_show(
        session, principal=principal, appointment_id=appointment_id, now=now
    )
