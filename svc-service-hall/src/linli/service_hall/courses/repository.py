"""Queries of the elder college; the only place that knows its tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.service_hall.models.courses import (
    Course,
    CourseAttendance,
    CourseChoice,
    CourseSession,
    Term,
    TermMember,
)


class CourseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def term(self, term_id: uuid.UUID, *, lock: str | None = None) -> Term | None:
        statement = select(Term).where(Term.id == term_id)
        if lock == "update":
            statement = statement.with_for_update()
        elif lock == "share":
            # Choices hold it shared: the allocation (exclusive) waits for them, and after it
            # they see the term allocated.
            statement = statement.with_for_update(read=True)
        return (
            await self.session.scalars(statement.execution_options(populate_existing=True))
        ).one_or_none()

    async def course(self, course_id: uuid.UUID) -> Course | None:
        return await self.session.get(Course, course_id, populate_existing=True)

    async def courses(self, term_id: uuid.UUID) -> Sequence[Course]:
        return (
            await self.session.scalars(
                select(Course)
                .where(Course.term_id == term_id)
                .order_by(Course.title, Course.id)
                .limit(500)
                .execution_options(populate_existing=True)
            )
        ).all()

    async def sessions(self, course_ids: Sequence[uuid.UUID]) -> Sequence[CourseSession]:
        return (
            await self.session.scalars(
                select(CourseSession)
                .where(CourseSession.course_id.in_(course_ids))
                .order_by(CourseSession.course_id, CourseSession.number)
            )
        ).all()

    async def session_of(self, course_id: uuid.UUID, session_id: uuid.UUID) -> CourseSession | None:
        found = await self.session.get(CourseSession, session_id)
        return found if found is not None and found.course_id == course_id else None

    async def count_choice(
        self, *, term_id: uuid.UUID, resident_id: uuid.UUID, community_code: str, limit: int
    ) -> int | None:
        """The member's choice count after this one, or None when it would pass `limit`: one
        conditional UPDATE, so concurrent choices by one member queue on the row and stop at it."""
        await self.session.execute(
            insert(TermMember)
            .values(
                term_id=term_id,
                resident_id=resident_id,
                community_code=community_code,
                choice_count=0,
            )
            .on_conflict_do_nothing()
        )
        count = await self.session.scalar(
            update(TermMember)
            .where(
                TermMember.term_id == term_id,
                TermMember.resident_id == resident_id,
                TermMember.choice_count < limit,
            )
            .values(choice_count=TermMember.choice_count + 1)
            .returning(TermMember.choice_count)
        )
        return None if count is None else int(count)

    async def add_choice(
        self, *, term_id: uuid.UUID, course_id: uuid.UUID, resident_id: uuid.UUID, rank: int
    ) -> CourseChoice | None:
        """The new choice, or None when the member chose the course already."""
        added = await self.session.scalar(
            insert(CourseChoice)
            .values(
                term_id=term_id,
                course_id=course_id,
                resident_id=resident_id,
                rank=rank,
                status="chosen",
            )
            .on_conflict_do_nothing()
            .returning(CourseChoice.id)
        )
        if added is None:
            return None
        await self.session.execute(
            update(Course)
            .where(Course.id == course_id)
            .values(chosen_count=Course.chosen_count + 1)
        )
        return await self.session.get(CourseChoice, added)

    async def withdraw(
        self, *, term_id: uuid.UUID, course_id: uuid.UUID, resident_id: uuid.UUID
    ) -> int | None:
        """Remove the member's choice of the course; the rank it had, or None when there was
        none. The member's row is updated first: its lock orders this against their choices,
        and the ranks after the withdrawn one move up, so they stay 1…n."""
        counted = await self.session.scalar(
            update(TermMember)
            .where(
                TermMember.term_id == term_id,
                TermMember.resident_id == resident_id,
                TermMember.choice_count > 0,
            )
            .values(choice_count=TermMember.choice_count - 1)
            .returning(TermMember.choice_count)
        )
        if counted is None:
            return None
        rank = await self.session.scalar(
            delete(CourseChoice)
            .where(
                CourseChoice.term_id == term_id,
                CourseChoice.course_id == course_id,
                CourseChoice.resident_id == resident_id,
            )
            .returning(CourseChoice.rank)
        )
        if rank is None:
            return None  # the caller raises: the count's step rolls back with the request
        await self.session.execute(
            update(CourseChoice)
            .where(
                CourseChoice.term_id == term_id,
                CourseChoice.resident_id == resident_id,
                CourseChoice.rank > rank,
            )
            .values(rank=CourseChoice.rank - 1)
        )
        await self.session.execute(
            update(Course)
            .where(Course.id == course_id)
            .values(chosen_count=Course.chosen_count - 1)
        )
        return int(rank)

    async def choices(
        self, term_id: uuid.UUID, *, resident_id: uuid.UUID | None = None
    ) -> Sequence[CourseChoice]:
        statement = select(CourseChoice).where(CourseChoice.term_id == term_id)
        if resident_id is not None:
            statement = statement.where(CourseChoice.resident_id == resident_id)
        return (
            await self.session.scalars(
                statement.order_by(CourseChoice.resident_id, CourseChoice.rank).execution_options(
                    populate_existing=True
                )
            )
        ).all()

    async def roster(self, course_id: uuid.UUID) -> Sequence[CourseChoice]:
        return (
            await self.session.scalars(
                select(CourseChoice)
                .where(CourseChoice.course_id == course_id, CourseChoice.status == "allocated")
                .order_by(CourseChoice.resident_id)
            )
        ).all()

    async def allocated_members(self, course_id: uuid.UUID) -> set[uuid.UUID]:
        rows = await self.session.scalars(
            select(CourseChoice.resident_id).where(
                CourseChoice.course_id == course_id, CourseChoice.status == "allocated"
            )
        )
        return set(rows)

    async def mark_present(
        self, *, session_id: uuid.UUID, resident_ids: Sequence[uuid.UUID], role: str
    ) -> list[uuid.UUID]:
        """The members newly recorded present (a second record of one is nothing)."""
        added = await self.session.scalars(
            insert(CourseAttendance)
            .values(
                [
                    {"session_id": session_id, "resident_id": r, "recorded_by_role": role}
                    for r in resident_ids
                ]
            )
            .on_conflict_do_nothing()
            .returning(CourseAttendance.resident_id)
        )
        return list(added)

    async def present(self, session_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count()).where(CourseAttendance.session_id == session_id)
        )
        return int(count or 0)
