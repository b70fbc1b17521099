"""Failures of the household roster."""

from __future__ import annotations

from typing import ClassVar

from linli.common.errors import NotFound


class HouseholdNotFound(NotFound):
    """No household with this id in the roster, or not one the caller may see."""

    title_en: ClassVar[str] = "Household not found"
    title_zh: ClassVar[str] = "住户不存在"
