"""Queries of appointments: the slot counter moved by conditional UPDATEs, bookings by resident."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset
from linli.service_hall.models import (
    Appointment,
    AppointmentCalendar,
    AppointmentSlot,
    AppointmentStatus,
)

# A resident's bookings, newest first.
LISTING = Keyset(Appointment.created_at, Appointment.id, descending=True)


class AppointmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def calendar(
        self, calendar_id: uuid.UUID, *, for_update: bool = False
    ) -> AppointmentCalendar | None:
        statement = select(AppointmentCalendar).where(AppointmentCalendar.id == calendar_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.scalars(statement)).one_or_none()

    async def calendars_of(self, point_ids: Sequence[uuid.UUID]) -> Sequence[AppointmentCalendar]:
        statement = (
            select(AppointmentCalendar)
            .where(AppointmentCalendar.service_point_id.in_(point_ids))
            .order_by(AppointmentCalendar.service_name, AppointmentCalendar.id)
            .limit(200)
        )
        return (await self.session.scalars(statement)).all()

    async def add_slots(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert slots not there yet (the same calendar and start is the same slot)."""
        if rows:
            statement = insert(AppointmentSlot).values(list(rows))
            await self.session.execute(
                statement.on_conflict_do_nothing(constraint="uq_appointment_slots_calendar_start")
            )

    async def slot(self, slot_id: uuid.UUID) -> AppointmentSlot | None:
        return await self.session.get(AppointmentSlot, slot_id)

    async def slots(
        self, calendar_id: uuid.UUID, *, since: datetime, until: datetime
    ) -> Sequence[AppointmentSlot]:
        statement = (
            select(AppointmentSlot)
            .where(
                AppointmentSlot.calendar_id == calendar_id,
                AppointmentSlot.starts_at >= since,
                AppointmentSlot.starts_at < until,
            )
            .order_by(AppointmentSlot.starts_at)
            .limit(2000)
        )
        return (await self.session.scalars(statement)).all()

    async def take_place(self, slot_id: uuid.UUID, *, now: datetime) -> int | None:
        """One place of an open, future slot with room: the new count, or None (full, closed,
        started). One statement under the slot's row lock: concurrent bookings queue on it and
        each sees the count the previous one committed, so `booked` never passes capacity."""
        result = await self.session.execute(
            update(AppointmentSlot)
            .where(
                AppointmentSlot.id == slot_id,
                AppointmentSlot.booked < AppointmentSlot.capacity,
                AppointmentSlot.closed.is_(False),
                AppointmentSlot.starts_at > now,
            )
            .values(booked=AppointmentSlot.booked + 1)
            .returning(AppointmentSlot.booked)
        )
        return result.scalar_one_or_none()

    async def give_back_place(self, slot_id: uuid.UUID) -> None:
        await self.session.execute(
            update(AppointmentSlot)
            .where(AppointmentSlot.id == slot_id)
            .values(booked=AppointmentSlot.booked - 1)
        )

    async def close_day(
        self, calendar_id: uuid.UUID, *, since: datetime, until: datetime
    ) -> list[uuid.UUID]:
        result = await self.session.execute(
            update(AppointmentSlot)
            .where(
                AppointmentSlot.calendar_id == calendar_id,
                AppointmentSlot.starts_at >= since,
                AppointmentSlot.starts_at < until,
            )
            .values(closed=True)
            .returning(AppointmentSlot.id)
        )
        return list(result.scalars())

    async def empty(self, slot_ids: Sequence[uuid.UUID]) -> None:
        await self.session.execute(
            update(AppointmentSlot).where(AppointmentSlot.id.in_(slot_ids)).values(booked=0)
        )

    async def lock_slot(self, slot_id: uuid.UUID) -> AppointmentSlot | None:
        """The slot's row lock as its counter's UPDATE takes it (FOR NO KEY UPDATE): bookings
        referencing the slot (FOR KEY SHARE, the foreign key's check) go on beside it."""
        statement = (
            select(AppointmentSlot)
            .where(AppointmentSlot.id == slot_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def appointment(
        self, appointment_id: uuid.UUID, *, for_update: bool = False
    ) -> Appointment | None:
        statement = select(Appointment).where(Appointment.id == appointment_id)
        if for_update:
            # Fresh from the row once locked, not what the session read before the lock.
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).one_or_none()

    async def live_of_slots(self, slot_ids: Sequence[uuid.UUID]) -> Sequence[Appointment]:
        statement = (
            select(Appointment)
            .where(
                Appointment.slot_id.in_(slot_ids),
                Appointment.status == AppointmentStatus.BOOKED,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).all()

    async def of_resident(
        self, resident_id: uuid.UUID, *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Appointment]:
        """The resident's bookings, newest first, one page (and one row more)."""
        statement = LISTING.paginate(
            select(Appointment).where(Appointment.resident_id == resident_id),
            after=after,
            limit=limit,
        )
        return (await self.session.scalars(statement)).all()

    async def slots_by_id(self, slot_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, AppointmentSlot]:
        if not slot_ids:
            return {}
        statement = select(AppointmentSlot).where(AppointmentSlot.id.in_(slot_ids))
        return {s.id: s for s in await self.session.scalars(statement)}

    async def of_calendar(
        self, calendar_id: uuid.UUID, *, since: datetime, until: datetime
    ) -> Sequence[tuple[Appointment, AppointmentSlot]]:
        statement = (
            select(Appointment, AppointmentSlot)
            .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
            .where(
                Appointment.calendar_id == calendar_id,
                AppointmentSlot.starts_at >= since,
                AppointmentSlot.starts_at < until,
            )
            .order_by(AppointmentSlot.starts_at, Appointment.created_at, Appointment.id)
            .limit(2000)
        )
        return [(a, s) for a, s in (await self.session.execute(statement)).all()]
