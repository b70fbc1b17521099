"""Queries of announcements and their read receipts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.service_hall.models.announcements import Announcement, AnnouncementRead


def reaching(community_code: str) -> ColumnElement[bool]:
    """Announcements that reach a community: targeted at it or at its street, district or city
    (an equality on at most four codes, which the target index serves)."""
    codes = [community_code[:n] for n in (4, 6, 9, 12)]
    return Announcement.target_code.in_(codes)


def current(now: datetime) -> ColumnElement[bool]:
    return or_(Announcement.expires_at.is_(None), Announcement.expires_at > now)


class AnnouncementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, announcement_id: uuid.UUID) -> Announcement | None:
        return await self.session.get(Announcement, announcement_id, populate_existing=True)

    async def mark_read(
        self, announcement_id: uuid.UUID, subject: str, community_code: str
    ) -> None:
        await self.session.execute(
            insert(AnnouncementRead)
            .values(
                announcement_id=announcement_id,
                reader_subject=subject,
                community_code=community_code,
            )
            .on_conflict_do_nothing()
        )

    async def read_counts(
        self, announcement_id: uuid.UUID, *, within: str
    ) -> Sequence[Row[str, int]]:
        return (
            await self.session.execute(
                select(AnnouncementRead.community_code, func.count().label("reads"))
                .where(
                    AnnouncementRead.announcement_id == announcement_id,
                    within_division(AnnouncementRead.community_code, within),
                )
                .group_by(AnnouncementRead.community_code)
                .order_by(AnnouncementRead.community_code)
            )
        ).all()


# Pinned first, then newest; the id breaks ties.
LISTING = Keyset(Announcement.pin, Announcement.published_at, Announcement.id, descending=True)
