"""Errors of the statistics report."""

from __future__ import annotations

from linli.common.errors import NotFound


class DivisionNotFound(NotFound):
    """svc-residents knows no such division."""

    problem = "division-not-found"
    title_en = "Division not found"
    title_zh = "区划不存在"
