"""Refusals about places of the read model."""

from __future__ import annotations

from linli.common.errors import NotFound


class GridNotFound(NotFound):
    """No such grid, or one outside the caller's scope."""

    problem = "grid-not-found"
    title_en = "Grid not found"
    title_zh = "网格不存在"
