"""Queries on courses, sessions and enrolments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import within_division
from linli.jobs_coop.models import Course, Enrolment, TrainingSession


class TrainingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def course(self, course_id: uuid.UUID) -> Course | None:
        return await self.session.get(Course, course_id)

    async def training_session(self, session_id: uuid.UUID) -> TrainingSession | None:
        return await self.session.get(TrainingSession, session_id)

    async def courses(self, division_prefix: str) -> Sequence[Course]:
        return (
            await self.session.scalars(
                select(Course)
                .where(within_division(Course.community_code, division_prefix))
                .order_by(Course.community_code, Course.id)
                .limit(500)
            )
        ).all()

    async def sessions_of(self, course_id: uuid.UUID) -> Sequence[TrainingSession]:
        return (
            await self.session.scalars(
                select(TrainingSession)
                .where(TrainingSession.course_id == course_id)
                .order_by(TrainingSession.starts_at, TrainingSession.id)
            )
        ).all()

    async def take_seat(self, session_id: uuid.UUID) -> bool:
        """One seat more, in one statement under the row's lock: never past the capacity."""
        taken = await self.session.scalar(
            update(TrainingSession)
            .where(
                TrainingSession.id == session_id,
                TrainingSession.enrolled < TrainingSession.capacity,
            )
            .values(enrolled=TrainingSession.enrolled + 1)
            .returning(TrainingSession.enrolled)
            .execution_options(synchronize_session=False)
        )
        return taken is not None

    async def enrolment(self, session_id: uuid.UUID, member_id: uuid.UUID) -> Enrolment | None:
        return await self.session.get(Enrolment, (session_id, member_id))
