"""Events of payment requests: requested, approved (each approval), paid, rejected. The payee
is a name staff gave (a supplier, a helper); the accounts of requester, payee and members are
never in an event."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from linli.funds.funds.events import FundEvent
from linli.funds.models import PaymentKind


class PaymentRequested(FundEvent):
    """A payment or reimbursement was asked of the fund's committee."""

    entity: ClassVar[str] = "payment"
    verb: ClassVar[str] = "requested"

    type: Literal["cn.linli.funds.payment.requested.v1"] = "cn.linli.funds.payment.requested.v1"
    payment_id: uuid.UUID
    project_id: uuid.UUID | None = None
    kind: PaymentKind
    to_fund_id: uuid.UUID | None = None
    amount_fen: int
    payee: str
    approvals_required: int


class PaymentApproved(FundEvent):
    """One committee member approved the request."""

    entity: ClassVar[str] = "payment"
    verb: ClassVar[str] = "approved"

    type: Literal["cn.linli.funds.payment.approved.v1"] = "cn.linli.funds.payment.approved.v1"
    payment_id: uuid.UUID
    member_id: uuid.UUID
    approvals: int
    approvals_required: int


class PaymentPaid(FundEvent):
    """The approval that completed the quorum paid the request out of the fund."""

    entity: ClassVar[str] = "payment"
    verb: ClassVar[str] = "paid"

    type: Literal["cn.linli.funds.payment.paid.v1"] = "cn.linli.funds.payment.paid.v1"
    payment_id: uuid.UUID
    project_id: uuid.UUID | None = None
    entry_id: uuid.UUID
    amount_fen: int
    balance_fen: int


class PaymentRejected(FundEvent):
    """A committee member rejected the request."""

    entity: ClassVar[str] = "payment"
    verb: ClassVar[str] = "rejected"

    type: Literal["cn.linli.funds.payment.rejected.v1"] = "cn.linli.funds.payment.rejected.v1"
    payment_id: uuid.UUID
    member_id: uuid.UUID
    reason: str
