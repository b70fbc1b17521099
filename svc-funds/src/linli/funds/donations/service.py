"""Business rules of donations: intent → signed confirmation → posted, once; refunds reverse.

The confirmation locks its donation row before anything else, so two deliveries of one callback
(a provider retry, a replay) queue: the first posts, the second finds it posted and changes
nothing. The ledger's unique (kind, source) would refuse a second post even without the lock.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.pagination import Page
from linli.funds.access import MANAGE_ROLES, any_fund, managed_fund
from linli.funds.audit import service as audit
from linli.funds.donations.errors import (
    AmountMismatch,
    DonationNotFound,
    NoReceiptYet,
    NotRefundable,
)
from linli.funds.donations.events import DonationPledged, DonationReceived, DonationRefunded
from linli.funds.donations.providers import PaymentProvider
from linli.funds.donations.receipts import render, take_number
from linli.funds.donations.repository import DONATION_ORDER, DonationRepository
from linli.funds.donations.schemas import (
    CallbackAnswer,
    DonationCreate,
    DonationRead,
    PublicDonation,
)
from linli.funds.funds.events import about
from linli.funds.ledger.service import post
from linli.funds.models import AccountKind, Donation, DonationStatus, EntryKind
from linli.funds.projects.repository import ProjectRepository
from linli.funds.projects.service import after_donation


async def pledge(
    session: AsyncSession,
    *,
    principal: Principal,
    provider: PaymentProvider,
    fund_id: uuid.UUID,
    donation_in: DonationCreate,
    project_id: uuid.UUID | None = None,
) -> DonationRead:
    """Anyone signed in may give to any fund (or to a project of it); the intent waits for the
    provider."""
    fund = await any_fund(session, fund_id)
    intent = provider.create_intent(amount_fen=donation_in.amount_fen)
    donation = Donation(
        fund_id=fund.id,
        project_id=project_id,
        amount_fen=donation_in.amount_fen,
        donor_kind=donation_in.donor_kind,
        donor_name=donation_in.donor_name,
        anonymous=donation_in.anonymous,
        donor_subject=principal.subject,
        provider=provider.name,
        provider_ref=intent.provider_ref,
        status=DonationStatus.PENDING,
    )
    session.add(donation)
    await session.flush()
    await audit.record(
        session,
        DonationPledged(
            **about(fund),
            donation_id=donation.id,
            project_id=donation.project_id,
            amount_fen=donation.amount_fen,
            donor_kind=donation.donor_kind,
            anonymous=donation.anonymous,
        ),
        subject_id=donation.id,
        actor=principal.subject,
    )
    return DonationRead.from_model(donation, pay_url=intent.pay_url)


async def confirm(
    session: AsyncSession, *, provider: PaymentProvider, body: bytes, signature: str | None
) -> CallbackAnswer:
    confirmation = provider.verify(body, signature)
    repository = DonationRepository(session)
    donation = await repository.by_ref(provider.name, confirmation.provider_ref)
    if donation is None:
        raise DonationNotFound(f"no intent {confirmation.provider_ref}")
    if donation.status is not DonationStatus.PENDING:
        return CallbackAnswer(donation_id=donation.id, outcome="unchanged")
    if confirmation.status != "succeeded":
        return CallbackAnswer(donation_id=donation.id, outcome="failed")
    if confirmation.amount_fen != donation.amount_fen:
        raise AmountMismatch(
            f"the intent is for {donation.amount_fen} fen, the callback says "
            f"{confirmation.amount_fen}",
            intent_amount_fen=donation.amount_fen,
            callback_amount_fen=confirmation.amount_fen,
        )
    fund = await any_fund(session, donation.fund_id)
    posted = await post(
        session,
        fund=fund,
        kind=EntryKind.DONATION,
        source_id=donation.id,
        counter_account=AccountKind.DONATIONS,
        amount_fen=donation.amount_fen,
        memo="项目捐赠" if donation.project_id else "捐赠",
        created_by=f"provider:{provider.name}",
    )
    received_at = datetime.now(UTC)
    # Before the donation changes: the counter's statement would autoflush a half-made row.
    year, number = await take_number(session, fund.id, received_at)
    donation.status = DonationStatus.RECEIVED
    donation.entry_id = posted.entry.id
    donation.received_at = received_at
    donation.receipt_year, donation.receipt_number = year, number
    await session.flush()
    await audit.record(
        session,
        DonationReceived(
            **about(fund),
            donation_id=donation.id,
            project_id=donation.project_id,
            entry_id=posted.entry.id,
            amount_fen=donation.amount_fen,
            donor_kind=donation.donor_kind,
            anonymous=donation.anonymous,
            balance_fen=posted.balance_fen,
        ),
        subject_id=donation.id,
        actor=f"provider:{provider.name}",
    )
    if donation.project_id is not None:
        await after_donation(session, fund, donation.project_id)
    return CallbackAnswer(donation_id=donation.id, outcome="posted")


async def refund(
    session: AsyncSession, *, principal: Principal, donation_id: uuid.UUID
) -> DonationRead:
    """Give a received donation back: a reversing entry, refused (409 naming the balance) when
    the fund has spent the money meanwhile."""
    donation = await DonationRepository(session).get(donation_id, for_update=True)
    if donation is None:
        raise DonationNotFound()
    fund = await managed_fund(session, principal, donation.fund_id)
    if donation.status is not DonationStatus.RECEIVED or donation.entry_id is None:
        raise NotRefundable(f"the donation is {donation.status.value}")
    posted = await post(
        session,
        fund=fund,
        kind=EntryKind.REFUND,
        source_id=donation.id,
        counter_account=AccountKind.DONATIONS,
        amount_fen=-donation.amount_fen,
        memo="捐赠退款",
        created_by=principal.subject,
        reverses_entry_id=donation.entry_id,
    )
    donation.status = DonationStatus.REFUNDED
    donation.refund_entry_id = posted.entry.id
    donation.refunded_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        DonationRefunded(
            **about(fund),
            donation_id=donation.id,
            entry_id=posted.entry.id,
            reverses_entry_id=donation.entry_id,
            amount_fen=donation.amount_fen,
            balance_fen=posted.balance_fen,
        ),
        subject_id=donation.id,
        actor=principal.subject,
    )
    return DonationRead.from_model(donation)


async def list_public(
    session: AsyncSession,
    *,
    fund_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    project_id: uuid.UUID | None = None,
) -> Page[PublicDonation]:
    fund = await any_fund(session, fund_id)
    donations = await DonationRepository(session).received(
        fund.id, project_id=project_id, after=DONATION_ORDER.decode(cursor), limit=limit
    )
    return DONATION_ORDER.page(donations, limit=limit, read=PublicDonation.from_model)


async def receipt(session: AsyncSession, *, principal: Principal, donation_id: uuid.UUID) -> str:
    """The receipt page, for the donor and the fund's staff (404 for anyone else, as if there
    were no such donation); 409 while the provider has not confirmed it."""
    donation = await DonationRepository(session).get(donation_id)
    if donation is None:
        raise DonationNotFound()
    fund = await any_fund(session, donation.fund_id)
    staff = principal.has_role(*MANAGE_ROLES) and principal.covers(fund.division_code)
    if principal.subject != donation.donor_subject and not staff:
        raise DonationNotFound()
    if donation.status is DonationStatus.PENDING:
        raise NoReceiptYet()
    project = None
    if donation.project_id is not None:
        project = await ProjectRepository(session).get(donation.project_id)
    return render(donation, fund, project_title=project.title if project else None)
