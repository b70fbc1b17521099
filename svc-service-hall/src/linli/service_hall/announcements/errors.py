"""Refusals of announcements."""

from __future__ import annotations

from linli.common.errors import NotFound


class AnnouncementNotFound(NotFound):
    """No such announcement, or one that does not reach the caller (or has expired for them)."""

    problem = "announcement-not-found"
    title_en = "Announcement not found"
    title_zh = "公告不存在"
