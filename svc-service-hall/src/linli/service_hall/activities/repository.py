"""Queries of activities and clubs; the only place that knows their tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.service_hall.models.activities import (
    Activity,
    ActivitySignup,
    Club,
    ClubMember,
    SignupStatus,
)


class ActivityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, activity_id: uuid.UUID, *, for_update: bool = False) -> Activity | None:
        statement = select(Activity).where(Activity.id == activity_id)
        if for_update:
            # Every change of an activity's places queues on this lock: the counts and the queue
            # are read and written by one transaction at a time.
            statement = statement.with_for_update()
        return (
            await self.session.scalars(statement.execution_options(populate_existing=True))
        ).one_or_none()

    async def live_signup(
        self, activity_id: uuid.UUID, resident_id: uuid.UUID, *, for_update: bool = False
    ) -> ActivitySignup | None:
        statement = select(ActivitySignup).where(
            ActivitySignup.activity_id == activity_id,
            ActivitySignup.resident_id == resident_id,
            ActivitySignup.status != SignupStatus.CANCELLED,
        )
        if for_update:
            statement = statement.with_for_update()
        return (
            await self.session.scalars(statement.execution_options(populate_existing=True))
        ).one_or_none()

    async def first_waiting(self, activity_id: uuid.UUID) -> ActivitySignup | None:
        return (
            await self.session.scalars(
                select(ActivitySignup)
                .where(
                    ActivitySignup.activity_id == activity_id,
                    ActivitySignup.status == SignupStatus.WAITING,
                )
                .order_by(ActivitySignup.id)
                .limit(1)
            )
        ).one_or_none()

    async def queue_position(self, signup: ActivitySignup) -> int | None:
        if signup.status is not SignupStatus.WAITING:
            return None
        ahead = await self.session.scalar(
            select(func.count()).where(
                ActivitySignup.activity_id == signup.activity_id,
                ActivitySignup.status == SignupStatus.WAITING,
                ActivitySignup.id <= signup.id,
            )
        )
        return int(ahead or 0)

    async def signups(self, activity_id: uuid.UUID) -> Sequence[ActivitySignup]:
        return (
            await self.session.scalars(
                select(ActivitySignup)
                .where(ActivitySignup.activity_id == activity_id)
                .order_by(ActivitySignup.id)
                .limit(10_000)
            )
        ).all()

    async def status_of(
        self, activity_ids: Sequence[uuid.UUID], resident_id: uuid.UUID
    ) -> dict[uuid.UUID, SignupStatus]:
        rows = await self.session.execute(
            select(ActivitySignup.activity_id, ActivitySignup.status).where(
                ActivitySignup.activity_id.in_(activity_ids),
                ActivitySignup.resident_id == resident_id,
                ActivitySignup.status != SignupStatus.CANCELLED,
            )
        )
        return {activity_id: status for activity_id, status in rows}


class ClubRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, club_id: uuid.UUID) -> Club | None:
        return await self.session.get(Club, club_id)

    async def join(self, club_id: uuid.UUID, resident_id: uuid.UUID) -> int | None:
        """The club's member count after the resident joined; None when they were a member."""
        added = await self.session.execute(
            insert(ClubMember)
            .values(club_id=club_id, resident_id=resident_id)
            .on_conflict_do_nothing()
            .returning(ClubMember.resident_id)
        )
        if added.first() is None:
            return None
        count = await self.session.scalar(
            update(Club)
            .where(Club.id == club_id)
            .values(member_count=Club.member_count + 1)
            .returning(Club.member_count)
        )
        return int(count or 0)

    async def member(self, club_id: uuid.UUID, resident_id: uuid.UUID) -> ClubMember | None:
        return await self.session.get(ClubMember, (club_id, resident_id), populate_existing=True)

    async def members(self, club_id: uuid.UUID) -> Sequence[ClubMember]:
        return (
            await self.session.scalars(
                select(ClubMember)
                .where(ClubMember.club_id == club_id)
                .order_by(ClubMember.joined_at, ClubMember.resident_id)
                .limit(10_000)
            )
        ).all()
