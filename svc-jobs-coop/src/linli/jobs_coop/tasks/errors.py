"""Refusals of claims, matches, pick-ups and deliveries."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class TaskNotFound(NotFound):
    """No task with this id within the caller's reach."""

    problem = "task-not-found"
    title_en = "Task not found"
    title_zh = "任务不存在"


class NotEnoughLeft(Conflict):
    """The claim asks for more pieces than the order has left; `quantity_left` says how many."""

    problem = "not-enough-left"
    title_en = "Not enough pieces left"
    title_zh = "剩余数量不足"


class SkillRequired(Conflict):
    """The member lacks the order's skill at its level."""

    problem = "skill-required"
    title_en = "The member lacks the required skill"
    title_zh = "不具备所需技能"


class NoEligibleMember(Conflict):
    """Nobody has the skill and is available at that time (or all hold a batch of it already)."""

    problem = "no-eligible-member"
    title_en = "Nobody eligible for this work now"
    title_zh = "暂无符合条件的人员"


class NotClaimable(Conflict):
    """The order is not open for claims; `status` says what it is."""

    problem = "not-claimable"
    title_en = "The work order is not open for claims"
    title_zh = "工单未开放接单"


class TooManyDelivered(Conflict):
    """A delivery of more pieces than the member holds; `at_home` says how many they hold."""

    problem = "too-many-delivered"
    title_en = "More pieces delivered than held"
    title_zh = "交付数量超过持有数量"


class TaskState(Conflict):
    """The move does not fit the task's state; `status` says which it is in."""

    problem = "task-state"
    title_en = "Not possible in the task's state"
    title_zh = "任务当前状态不允许此操作"
