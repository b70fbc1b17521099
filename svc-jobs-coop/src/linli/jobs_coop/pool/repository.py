"""Queries on pool members and what belongs to them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.jobs_coop.models import (
    AvailabilityWindow,
    Certificate,
    Member,
    MemberSkill,
    MemberStatus,
    SkillSource,
)

MEMBER_ORDER = Keyset(Member.community_code, Member.id)


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: uuid.UUID, *, for_update: bool = False) -> Member | None:
        return await self.session.get(Member, member_id, with_for_update=for_update)

    async def find(
        self,
        *,
        division_prefix: str,
        skill: str | None,
        active_only: bool,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Member]:
        statement = select(Member).where(within_division(Member.community_code, division_prefix))
        if active_only:
            statement = statement.where(Member.status == MemberStatus.ACTIVE)
        if skill is not None:
            statement = statement.where(
                Member.id.in_(select(MemberSkill.member_id).where(MemberSkill.skill == skill))
            )
        statement = MEMBER_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def skills(self, member_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[MemberSkill]]:
        found: dict[uuid.UUID, list[MemberSkill]] = defaultdict(list)
        rows = await self.session.scalars(
            select(MemberSkill)
            .where(MemberSkill.member_id.in_(member_ids))
            .order_by(MemberSkill.skill)
        )
        for row in rows:
            found[row.member_id].append(row)
        return found

    async def windows(
        self, member_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[AvailabilityWindow]]:
        found: dict[uuid.UUID, list[AvailabilityWindow]] = defaultdict(list)
        rows = await self.session.scalars(
            select(AvailabilityWindow)
            .where(AvailabilityWindow.member_id.in_(member_ids))
            .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)
        )
        for row in rows:
            found[row.member_id].append(row)
        return found

    async def certificates(
        self, member_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[Certificate]]:
        found: dict[uuid.UUID, list[Certificate]] = defaultdict(list)
        rows = await self.session.scalars(
            select(Certificate)
            .where(Certificate.member_id.in_(member_ids))
            .order_by(Certificate.issued_on, Certificate.id)
        )
        for row in rows:
            found[row.member_id].append(row)
        return found

    async def skill(self, member_id: uuid.UUID, skill: str) -> MemberSkill | None:
        return await self.session.get(MemberSkill, (member_id, skill))

    async def replace_declared_skills(
        self, member_id: uuid.UUID, skills: Sequence[tuple[str, int]]
    ) -> None:
        """Declared skills replaced; a certified skill stays (a declaration never lowers it)."""
        certified = {
            row.skill
            for row in (await self.skills([member_id]))[member_id]
            if row.source is SkillSource.CERTIFICATE
        }
        await self.session.execute(
            delete(MemberSkill).where(
                MemberSkill.member_id == member_id, MemberSkill.source == SkillSource.DECLARED
            )
        )
        self.session.add_all(
            MemberSkill(member_id=member_id, skill=skill, level=level, source=SkillSource.DECLARED)
            for skill, level in skills
            if skill not in certified
        )
        await self.session.flush()

    async def certify_skill(self, member_id: uuid.UUID, skill: str, level: int) -> None:
        """The skill at the certificate's level at least (a certificate never lowers a skill)."""
        existing = await self.skill(member_id, skill)
        if existing is None:
            self.session.add(
                MemberSkill(
                    member_id=member_id, skill=skill, level=level, source=SkillSource.CERTIFICATE
                )
            )
        else:
            existing.level = max(existing.level, level)
            existing.source = SkillSource.CERTIFICATE
        await self.session.flush()

    async def replace_windows(
        self, member_id: uuid.UUID, windows: Sequence[tuple[int, int, int]]
    ) -> None:
        await self.session.execute(
            delete(AvailabilityWindow).where(AvailabilityWindow.member_id == member_id)
        )
        self.session.add_all(
            AvailabilityWindow(member_id=member_id, weekday=w, start_minute=s, end_minute=e)
            for w, s, e in windows
        )
        await self.session.flush()
