"""Queries of volunteering; the only place that knows its tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.service_hall.models import ResidentCopy
from linli.service_hall.models.volunteering import (
    MemberRole,
    Organisation,
    OrganisationMember,
    ServiceHours,
    VolunteerActivity,
    VolunteerSignup,
)


class VolunteeringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def organisation(self, organisation_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def add_member(
        self, organisation_id: uuid.UUID, resident_id: uuid.UUID, role: MemberRole
    ) -> bool:
        """Whether the resident was added (a member already keeps their role)."""
        added = await self.session.scalar(
            insert(OrganisationMember)
            .values(organisation_id=organisation_id, resident_id=resident_id, role=role)
            .on_conflict_do_nothing()
            .returning(OrganisationMember.resident_id)
        )
        return added is not None

    async def member(
        self, organisation_id: uuid.UUID, resident_id: uuid.UUID
    ) -> OrganisationMember | None:
        return await self.session.get(
            OrganisationMember, (organisation_id, resident_id), populate_existing=True
        )

    async def activity(self, activity_id: uuid.UUID) -> VolunteerActivity | None:
        return await self.session.get(VolunteerActivity, activity_id, populate_existing=True)

    async def take_place(self, activity_id: uuid.UUID) -> int | None:
        """The sign-up count after taking a place, or None when none is left: a conditional
        UPDATE, so a burst of sign-ups never passes the capacity."""
        count = await self.session.scalar(
            update(VolunteerActivity)
            .where(
                VolunteerActivity.id == activity_id,
                VolunteerActivity.signed_up_count < VolunteerActivity.capacity,
            )
            .values(signed_up_count=VolunteerActivity.signed_up_count + 1)
            .returning(VolunteerActivity.signed_up_count)
        )
        return None if count is None else int(count)

    async def add_signup(self, activity_id: uuid.UUID, resident_id: uuid.UUID) -> bool:
        added = await self.session.scalar(
            insert(VolunteerSignup)
            .values(activity_id=activity_id, resident_id=resident_id)
            .on_conflict_do_nothing()
            .returning(VolunteerSignup.resident_id)
        )
        return added is not None

    async def signup(
        self, activity_id: uuid.UUID, resident_id: uuid.UUID, *, for_update: bool = False
    ) -> VolunteerSignup | None:
        statement = select(VolunteerSignup).where(
            VolunteerSignup.activity_id == activity_id, VolunteerSignup.resident_id == resident_id
        )
        if for_update:
            statement = statement.with_for_update()
        return (
            await self.session.scalars(statement.execution_options(populate_existing=True))
        ).one_or_none()

    async def hours_for(self, activity_id: uuid.UUID, resident_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(ServiceHours.id).where(
                ServiceHours.activity_id == activity_id, ServiceHours.resident_id == resident_id
            )
        )
        return found is not None

    async def total(self, resident_id: uuid.UUID) -> tuple[int, int]:
        """The volunteer's total minutes and number of records."""
        row = (
            await self.session.execute(
                select(func.coalesce(func.sum(ServiceHours.minutes), 0), func.count()).where(
                    ServiceHours.resident_id == resident_id
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def history(self, resident_id: uuid.UUID, *, limit: int = 100) -> Sequence[ServiceHours]:
        return (
            await self.session.scalars(
                select(ServiceHours)
                .where(ServiceHours.resident_id == resident_id)
                .order_by(ServiceHours.recorded_at.desc(), ServiceHours.id.desc())
                .limit(limit)
            )
        ).all()

    async def ranking(
        self, community_code: str, *, limit: int
    ) -> Sequence[tuple[uuid.UUID, str, int, int]]:
        """The community's volunteers by their hours there, most first (ties by id)."""
        total = func.sum(ServiceHours.minutes).label("total")
        rows = await self.session.execute(
            select(
                ServiceHours.resident_id,
                func.coalesce(func.max(ResidentCopy.name_masked), "*"),
                total,
                func.count(),
            )
            .outerjoin(ResidentCopy, ResidentCopy.resident_id == ServiceHours.resident_id)
            .where(ServiceHours.community_code == community_code)
            .group_by(ServiceHours.resident_id)
            .order_by(total.desc(), ServiceHours.resident_id)
            .limit(limit)
        )
        return [(r, str(n), int(t), int(c)) for r, n, t, c in rows]
