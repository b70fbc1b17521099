"""Refusals of home visits."""

from __future__ import annotations

from collections.abc import Sequence

from linli.common.errors import Conflict, Forbidden, NotFound


class HomeVisitNotFound(NotFound):
    """No such visit, or not one the caller may see."""

    problem = "home-visit-not-found"
    title_en = "Home visit not found"
    title_zh = "上门服务不存在"


class NotEligible(Forbidden):
    """The resident has no tag that qualifies for a home visit; a worker may still file one."""

    problem = "not-eligible"
    title_en = "Home visits are for residents who cannot come"
    title_zh = "上门办仅面向行动不便或高龄居民"


class IllegalVisitMove(Conflict):
    """The step is not allowed from the visit's current state; names the moves that are."""

    problem = "illegal-move"
    title_en = "Not allowed in the visit's current state"
    title_zh = "当前状态不允许此操作"

    def __init__(self, *, action: str, state: str, allowed: Sequence[str]) -> None:
        super().__init__(
            f"cannot {action} a visit that is {state}", state=state, allowed=list(allowed)
        )
