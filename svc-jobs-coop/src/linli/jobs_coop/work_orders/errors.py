"""Refusals of work orders."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class WorkOrderNotFound(NotFound):
    """No work order with this id within the caller's reach."""

    problem = "work-order-not-found"
    title_en = "Work order not found"
    title_zh = "工单不存在"


class NoAgreementInForce(Conflict):
    """The enterprise has no cooperation agreement covering today."""

    problem = "no-agreement-in-force"
    title_en = "No cooperation agreement in force"
    title_zh = "无有效的合作协议"


class WorkOrderState(Conflict):
    """The move does not fit the order's state; `status` says which it is in."""

    problem = "work-order-state"
    title_en = "Not possible in the work order's state"
    title_zh = "工单当前状态不允许此操作"
