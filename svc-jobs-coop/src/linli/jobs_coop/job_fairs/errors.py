"""Refusals of job fairs."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class FairNotFound(NotFound):
    """No job fair (or match) with this id within the caller's reach."""

    problem = "fair-not-found"
    title_en = "Job fair not found"
    title_zh = "招聘会不存在"


class FairConflict(Conflict):
    """Registered or matched already, or a match of someone not at the fair."""

    problem = "fair-conflict"
    title_en = "Not possible at this fair"
    title_zh = "招聘会状态冲突"
