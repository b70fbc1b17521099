"""Events of announcements, on the subject of the division they target (a district's on the
district's subject, with `_` for the lower tokens), so each level's systems see what reaches it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class _AnnouncementEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "announcement"

    community_code: str | None = Field(  # type: ignore[assignment]
        description="The target when it is a community; null for a street, district or city"
    )
    target_code: str = Field(description="The division it reaches, and every unit below")
    announcement_id: uuid.UUID
    pinned: bool
    expires_at: datetime | None

    def division_code(self) -> str:
        return self.target_code


class AnnouncementPublished(_AnnouncementEvent):
    """An announcement was published."""

    verb: ClassVar[str] = "published"
    type: Literal["cn.linli.service-hall.announcement.published.v1"] = (
        "cn.linli.service-hall.announcement.published.v1"
    )
    title: str
    publisher_role: str
    published_at: datetime


class AnnouncementUpdated(_AnnouncementEvent):
    """Its pin or expiry changed."""

    verb: ClassVar[str] = "updated"
    type: Literal["cn.linli.service-hall.announcement.updated.v1"] = (
        "cn.linli.service-hall.announcement.updated.v1"
    )


AnnouncementEvent = AnnouncementPublished | AnnouncementUpdated
