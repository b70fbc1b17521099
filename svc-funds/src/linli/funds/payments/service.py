"""Business rules of payments: a request fixes the approvals it needs; members approve, each
once, never their own or what pays them; the approval that completes the quorum pays, in the
same transaction, under the account lock of `ledger.service.post` — so a payment the fund
cannot afford is refused with its balance and leaves nothing behind, not even the approval."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.pagination import Page
from linli.funds.access import MANAGE_ROLES, any_fund
from linli.funds.audit import service as audit
from linli.funds.committees.repository import CommitteeRepository
from linli.funds.committees.service import approvals_needed, serving_seat, today
from linli.funds.funds.errors import FundNotFound
from linli.funds.funds.events import about
from linli.funds.funds.repository import FundRepository
from linli.funds.ledger.events import TransferReceived
from linli.funds.ledger.service import Posted, post, transfer
from linli.funds.models import (
    AccountKind,
    EntryKind,
    Fund,
    PaymentApproval,
    PaymentRequest,
    PaymentStatus,
)
from linli.funds.payments.errors import (
    AlreadyApproved,
    InvalidTransfer,
    NotPending,
    PaymentNotFound,
    SelfApproval,
)
from linli.funds.payments.events import (
    PaymentApproved,
    PaymentPaid,
    PaymentRejected,
    PaymentRequested,
)
from linli.funds.payments.repository import PAYMENT_ORDER, PaymentRepository
from linli.funds.payments.schemas import PaymentCreate, PaymentRead, RejectionCreate
from linli.funds.projects.errors import ProjectOfAnotherFund
from linli.funds.projects.service import open_project


async def request_payment(
    session: AsyncSession, *, principal: Principal, fund_id: uuid.UUID, payment_in: PaymentCreate
) -> PaymentRead:
    """Filed by the fund's staff or by a serving committee member."""
    fund = await any_fund(session, fund_id)
    if not (principal.has_role(*MANAGE_ROLES) and principal.covers(fund.division_code)):
        # Not the fund's staff: only a serving member may ask; anyone else is told no such fund
        # when it lies outside their scope, else why not.
        if principal.has_role(*MANAGE_ROLES):
            raise FundNotFound()
        await serving_seat(session, fund, principal)
    serving = await CommitteeRepository(session).serving(fund.id, today())
    deciders = [
        m for m in serving if m.subject not in (principal.subject, payment_in.payee_subject)
    ]
    if payment_in.project_id is not None:
        project = await open_project(session, payment_in.project_id)
        if project.fund_id != fund.id:
            raise ProjectOfAnotherFund(f"project {project.id} is paid from its own fund")
    payee = payment_in.payee
    if payment_in.to_fund_id is not None:
        target = await FundRepository(session).get(payment_in.to_fund_id)
        if target is None or target.id == fund.id:
            raise InvalidTransfer(
                "to_fund_id names no other fund", to_fund_id=str(payment_in.to_fund_id)
            )
        payee = target.name
    assert payee is not None
    required = approvals_needed(
        fund, amount_fen=payment_in.amount_fen, serving=len(serving), deciders=len(deciders)
    )
    payment = PaymentRequest(
        fund_id=fund.id,
        project_id=payment_in.project_id,
        kind=payment_in.kind,
        to_fund_id=payment_in.to_fund_id,
        amount_fen=payment_in.amount_fen,
        payee=payee,
        payee_subject=payment_in.payee_subject,
        purpose=payment_in.purpose,
        requested_by=principal.subject,
        approvals_required=required,
        status=PaymentStatus.PENDING,
    )
    session.add(payment)
    await session.flush()
    await audit.record(
        session,
        PaymentRequested(
            **about(fund),
            payment_id=payment.id,
            project_id=payment.project_id,
            kind=payment.kind,
            to_fund_id=payment.to_fund_id,
            amount_fen=payment.amount_fen,
            payee=payment.payee,
            approvals_required=required,
        ),
        subject_id=payment.id,
        actor=principal.subject,
    )
    return PaymentRead.from_model(payment, approvals=0)


async def _decidable(
    session: AsyncSession, principal: Principal, payment_id: uuid.UUID
) -> tuple[Fund, PaymentRequest, uuid.UUID]:
    """The request, locked, the fund and the caller's seat: every refusal before any change."""
    payment = await PaymentRepository(session).get(payment_id, for_update=True)
    if payment is None:
        raise PaymentNotFound()
    fund = await any_fund(session, payment.fund_id)
    seat = await serving_seat(session, fund, principal)
    if principal.subject in (payment.requested_by, payment.payee_subject):
        raise SelfApproval()
    if payment.status is not PaymentStatus.PENDING:
        raise NotPending(f"the request is {payment.status.value}", status=payment.status.value)
    return fund, payment, seat.id


async def approve(
    session: AsyncSession, *, principal: Principal, payment_id: uuid.UUID
) -> PaymentRead:
    fund, payment, member_id = await _decidable(session, principal, payment_id)
    if await insert_or_conflict(
        session, PaymentApproval(request_id=payment.id, member_id=member_id)
    ):
        raise AlreadyApproved()
    repository = PaymentRepository(session)
    approvals = (await repository.approvals([payment.id]))[payment.id]
    await audit.record(
        session,
        PaymentApproved(
            **about(fund),
            payment_id=payment.id,
            member_id=member_id,
            approvals=approvals,
            approvals_required=payment.approvals_required,
        ),
        subject_id=payment.id,
        actor=principal.subject,
    )
    if approvals >= payment.approvals_required:
        posted = await _pay(session, fund, payment, actor=principal.subject)
        payment.status = PaymentStatus.PAID
        payment.entry_id = posted.entry.id
        payment.decided_at = datetime.now(UTC)
        await session.flush()
        await audit.record(
            session,
            PaymentPaid(
                **about(fund),
                payment_id=payment.id,
                project_id=payment.project_id,
                entry_id=posted.entry.id,
                amount_fen=payment.amount_fen,
                balance_fen=posted.balance_fen,
            ),
            subject_id=payment.id,
            actor=principal.subject,
        )
    return PaymentRead.from_model(payment, approvals=approvals)


async def _pay(session: AsyncSession, fund: Fund, payment: PaymentRequest, *, actor: str) -> Posted:
    """Post the payment (a transfer: into its target fund too, announced on the target's
    subject and chained in the target's audit trail); the paying fund's posting."""
    memo = f"{payment.payee} {payment.purpose}".strip()
    if payment.to_fund_id is None:
        return await post(
            session,
            fund=fund,
            kind=EntryKind.PAYMENT,
            source_id=payment.id,
            counter_account=AccountKind.PAYMENTS,
            amount_fen=-payment.amount_fen,
            memo=memo,
            created_by=actor,
        )
    target = await any_fund(session, payment.to_fund_id)
    paid, received = await transfer(
        session,
        source=fund,
        target=target,
        source_id=payment.id,
        amount_fen=payment.amount_fen,
        memo=f"{fund.name} → {target.name} {payment.purpose}".strip(),
        created_by=actor,
    )
    await audit.record(
        session,
        TransferReceived(
            **about(target),
            payment_id=payment.id,
            from_fund_id=fund.id,
            entry_id=received.entry.id,
            amount_fen=payment.amount_fen,
            balance_fen=received.balance_fen,
        ),
        subject_id=payment.id,
        actor=actor,
    )
    return paid


async def reject(
    session: AsyncSession,
    *,
    principal: Principal,
    payment_id: uuid.UUID,
    rejection_in: RejectionCreate,
) -> PaymentRead:
    fund, payment, member_id = await _decidable(session, principal, payment_id)
    payment.status = PaymentStatus.REJECTED
    payment.rejected_reason = rejection_in.reason
    payment.decided_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        PaymentRejected(
            **about(fund), payment_id=payment.id, member_id=member_id, reason=rejection_in.reason
        ),
        subject_id=payment.id,
        actor=principal.subject,
    )
    approvals = (await PaymentRepository(session).approvals([payment.id]))[payment.id]
    return PaymentRead.from_model(payment, approvals=approvals)


async def get_payment(session: AsyncSession, *, payment_id: uuid.UUID) -> PaymentRead:
    repository = PaymentRepository(session)
    payment = await repository.get(payment_id)
    if payment is None:
        raise PaymentNotFound()
    approvals = (await repository.approvals([payment.id]))[payment.id]
    return PaymentRead.from_model(payment, approvals=approvals)


async def list_payments(
    session: AsyncSession,
    *,
    fund_id: uuid.UUID,
    status: PaymentStatus | None,
    cursor: str | None,
    limit: int,
    project_id: uuid.UUID | None = None,
) -> Page[PaymentRead]:
    fund = await any_fund(session, fund_id)
    repository = PaymentRepository(session)
    payments = await repository.list(
        fund.id,
        status=status,
        project_id=project_id,
        after=PAYMENT_ORDER.decode(cursor),
        limit=limit,
    )
    counts = await repository.approvals([p.id for p in payments])
    return PAYMENT_ORDER.page(
        payments, limit=limit, read=lambda p: PaymentRead.from_model(p, approvals=counts[p.id])
    )
