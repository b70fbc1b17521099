"""Queries on committee seats."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.funds.models import CommitteeMember


class CommitteeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, fund_id: uuid.UUID, member_id: uuid.UUID, *, for_update: bool = False
    ) -> CommitteeMember | None:
        member = await self.session.get(CommitteeMember, member_id, with_for_update=for_update)
        return member if member is not None and member.fund_id == fund_id else None

    async def seat_of(self, fund_id: uuid.UUID, subject: str) -> CommitteeMember | None:
        return (
            await self.session.scalars(
                select(CommitteeMember).where(
                    CommitteeMember.fund_id == fund_id, CommitteeMember.subject == subject
                )
            )
        ).one_or_none()

    async def members(self, fund_id: uuid.UUID) -> Sequence[CommitteeMember]:
        return (
            await self.session.scalars(
                select(CommitteeMember)
                .where(CommitteeMember.fund_id == fund_id)
                .order_by(CommitteeMember.term_start, CommitteeMember.id)
            )
        ).all()

    async def serving(self, fund_id: uuid.UUID, on: date) -> Sequence[CommitteeMember]:
        """The members whose term runs on `on`."""
        return (
            await self.session.scalars(
                select(CommitteeMember).where(
                    CommitteeMember.fund_id == fund_id,
                    CommitteeMember.term_start <= on,
                    CommitteeMember.term_end >= on,
                )
            )
        ).all()
