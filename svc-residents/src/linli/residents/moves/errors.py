"""Refusals of moves."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class MoveNotFound(NotFound):
    """No move with this id that touches the caller's scope."""

    problem = "move-not-found"
    title_en = "Move not found"
    title_zh = "迁移记录不存在"


class AlreadyThere(Conflict):
    """The person (or household) already lives at the destination."""

    problem = "already-there"
    title_en = "Already living there"
    title_zh = "已居住在目标住所"


class NothingToMove(Conflict):
    """A household without residents has nobody to move: delete it instead."""

    problem = "nothing-to-move"
    title_en = "Household has no residents"
    title_zh = "住户下没有居民"
