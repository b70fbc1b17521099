"""Announcements (通知公告) targeted by division prefix, and who read them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id
from linli.service_hall.models import Base


class Announcement(Base):
    """An announcement of a level to a division (`target_code`) and every unit below it."""

    __tablename__ = "announcements"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    target_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # 1 pinned, 0 not: an integer so that the list's keyset (pinned first) can hold it.
    pin: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    publisher_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    publisher_role: Mapped[str] = mapped_column(String(32), nullable=False)
    publisher_name_masked: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("pin IN (0, 1)", name="announcement_pin"),
        # A resident's list is an equality on the (at most four) codes above their community.
        Index("ix_announcements_target", "target_code", "pin", "published_at", "id"),
    )


class AnnouncementRead(Base):
    """A resident read an announcement (once, however often they open it), from a community."""

    __tablename__ = "announcement_reads"

    announcement_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    reader_subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    read_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_announcement_reads_community", "announcement_id", "community_code"),
    )
