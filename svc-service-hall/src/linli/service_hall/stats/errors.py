"""Errors of the hall's statistics."""

from __future__ import annotations

from linli.common.errors import NotFound


class ResidentNotFound(NotFound):
    """The hall knows no such resident within the caller's scope."""

    problem = "resident-not-found"
    title_en = "Resident not found"
    title_zh = "居民不存在"
