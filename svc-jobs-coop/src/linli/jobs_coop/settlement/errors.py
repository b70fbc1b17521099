"""Refusals of settlement."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class StatementNotFound(NotFound):
    """No statement with this id within the caller's reach."""

    problem = "statement-not-found"
    title_en = "Statement not found"
    title_zh = "结算单不存在"


class AlreadyIssued(Conflict):
    """The community's statements of this month were issued already."""

    problem = "already-issued"
    title_en = "Statements of this month were issued already"
    title_zh = "本月结算单已出具"


class StatementImmutable(Conflict):
    """An issued statement is never changed: record an adjustment, settled next month."""

    problem = "statement-immutable"
    title_en = "An issued statement cannot be changed"
    title_zh = "已出具的结算单不可修改"


class MonthNotStarted(Conflict):
    """Statements are issued for a month that has begun (Asia/Shanghai)."""

    problem = "month-not-started"
    title_en = "The month has not begun"
    title_zh = "该月份尚未开始"


class NoWorkOnOrder(Conflict):
    """An adjustment names a member who never held a task of that order."""

    problem = "no-work-on-order"
    title_en = "The member did no work on this order"
    title_zh = "该成员未承接此工单"
