"""Request and response shapes of payment requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linli.common.errors import InvalidValue
from linli.funds.ledger.schemas import AmountFen
from linli.funds.models import PaymentKind, PaymentRequest, PaymentStatus
from linli.funds.text import Memo, Subject, Title


class PaymentCreate(BaseModel):
    """A payment (to a supplier or helper), a reimbursement (to who paid first), or a transfer
    to another fund (`to_fund_id`; the payee is that fund)."""

    model_config = ConfigDict(extra="forbid")

    kind: PaymentKind = PaymentKind.PAYMENT
    amount_fen: AmountFen
    payee: Title | None = Field(
        default=None,
        description="Who is paid; for a transfer, the fund's name",
        examples=["楼道保洁服务队"],
    )
    to_fund_id: uuid.UUID | None = Field(
        default=None, description="The fund a transfer pays into (only for `kind: transfer`)"
    )
    payee_subject: Subject | None = Field(
        default=None,
        description="The payee's account, when they have one: they may not approve it",
    )
    purpose: Memo = Field(examples=["3幢楼道清理"])
    project_id: uuid.UUID | None = Field(
        default=None, description="The approved project of this fund the money is spent on"
    )

    @model_validator(mode="after")
    def _transfer_names_its_fund(self) -> Self:
        if (self.kind is PaymentKind.TRANSFER) != (self.to_fund_id is not None):
            raise InvalidValue(
                "a transfer, and only a transfer, names to_fund_id",
                "转账须且仅须填写收款基金 to_fund_id",
            )
        if self.kind is not PaymentKind.TRANSFER and self.payee is None:
            raise InvalidValue("payee is needed", "须填写收款人")
        return self


class RejectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Memo = Field(min_length=1, examples=["报价过高，请重新询价"])


class PaymentRead(BaseModel):
    id: uuid.UUID
    fund_id: uuid.UUID
    project_id: uuid.UUID | None
    kind: PaymentKind
    to_fund_id: uuid.UUID | None
    amount_fen: int
    payee: str
    purpose: str
    status: PaymentStatus
    approvals: int
    approvals_required: int = Field(
        description="Fixed when the request was made: the quorum, or above the fund's limit the "
        "larger quorum (the whole committee when none is set)"
    )
    entry_id: uuid.UUID | None = Field(description="The ledger entry that paid it")
    rejected_reason: str | None
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def from_model(cls, payment: PaymentRequest, *, approvals: int) -> PaymentRead:
        return cls(
            id=payment.id,
            fund_id=payment.fund_id,
            project_id=payment.project_id,
            kind=payment.kind,
            to_fund_id=payment.to_fund_id,
            amount_fen=payment.amount_fen,
            payee=payment.payee,
            purpose=payment.purpose,
            status=payment.status,
            approvals=approvals,
            approvals_required=payment.approvals_required,
            entry_id=payment.entry_id,
            rejected_reason=payment.rejected_reason,
            created_at=payment.created_at,
            decided_at=payment.decided_at,
        )
