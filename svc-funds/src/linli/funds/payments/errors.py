"""Refusals of payment requests."""

from __future__ import annotations

from linli.common.errors import Conflict, Forbidden, InvalidInput, NotFound


class PaymentNotFound(NotFound):
    """No payment request with this id."""

    problem = "payment-not-found"
    title_en = "Payment request not found"
    title_zh = "付款申请不存在"


class SelfApproval(Forbidden):
    """No one decides a request they made or that pays them."""

    problem = "self-approval"
    title_en = "You made this request or it pays you"
    title_zh = "不能审批本人提出或本人受益的申请"


class AlreadyApproved(Conflict):
    """This member has approved this request already."""

    problem = "already-approved"
    title_en = "You have approved this request already"
    title_zh = "您已审批过该申请"


class NotPending(Conflict):
    """The request was paid or rejected already."""

    problem = "payment-not-pending"
    title_en = "The request is decided already"
    title_zh = "该申请已处理"


class InvalidTransfer(InvalidInput):
    """A transfer goes to another fund that exists."""

    problem = "invalid-transfer"
    title_en = "No such fund to transfer to"
    title_zh = "收款基金不存在"
