"""Refusals of the labour pool."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class MemberNotFound(NotFound):
    """No pool member with this id within the caller's reach."""

    problem = "member-not-found"
    title_en = "Pool member not found"
    title_zh = "劳动力资源库中无此人"


class AlreadyInPool(Conflict):
    """This phone number, or this login, is in the pool already."""

    problem = "already-in-pool"
    title_en = "Already in the labour pool"
    title_zh = "已在劳动力资源库中"


class MemberWithdrawn(Conflict):
    """The member has left the pool."""

    problem = "member-withdrawn"
    title_en = "The member has left the pool"
    title_zh = "该成员已退出资源库"
