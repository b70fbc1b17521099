"""Request and response shapes of donations."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from linli.funds.donations.receipts import receipt_no
from linli.funds.ledger.schemas import AmountFen
from linli.funds.models import Donation, DonationStatus, DonorKind
from linli.funds.text import Title

ANONYMOUS_ZH = "爱心人士"


class DonationCreate(BaseModel):
    """A donation to a fund, from 1 fen up; `anonymous` hides the name on the public pages."""

    model_config = ConfigDict(extra="forbid")

    amount_fen: AmountFen
    donor_kind: DonorKind = DonorKind.RESIDENT
    donor_name: Title = Field(examples=["张阿姨", "东信物业公司"])
    anonymous: bool = False


class DonationRead(BaseModel):
    """The donor's own view (and staff's)."""

    id: uuid.UUID
    fund_id: uuid.UUID
    project_id: uuid.UUID | None
    amount_fen: int
    donor_kind: DonorKind
    donor_name: str
    anonymous: bool
    status: DonationStatus
    provider: str
    provider_ref: str
    pay_url: str | None = Field(default=None, description="Where the donor pays (new intents)")
    entry_id: uuid.UUID | None
    refund_entry_id: uuid.UUID | None
    receipt_no: str | None = Field(
        description="The receipt's number, gap-free per fund and year (`2026-000042`)"
    )
    created_at: datetime
    received_at: datetime | None

    @classmethod
    def from_model(cls, donation: Donation, *, pay_url: str | None = None) -> DonationRead:
        return cls(
            id=donation.id,
            fund_id=donation.fund_id,
            project_id=donation.project_id,
            amount_fen=donation.amount_fen,
            donor_kind=donation.donor_kind,
            donor_name=donation.donor_name,
            anonymous=donation.anonymous,
            status=donation.status,
            provider=donation.provider,
            provider_ref=donation.provider_ref,
            pay_url=pay_url,
            entry_id=donation.entry_id,
            refund_entry_id=donation.refund_entry_id,
            receipt_no=receipt_no(donation.receipt_year, donation.receipt_number),
            created_at=donation.created_at,
            received_at=donation.received_at,
        )


class PublicDonation(BaseModel):
    """A donation on the fund's public page: the name only when the donor allowed it."""

    id: uuid.UUID
    project_id: uuid.UUID | None
    amount_fen: int
    donor: str = Field(description=f"The donor's name, or {ANONYMOUS_ZH} when anonymous")
    donor_kind: DonorKind
    status: DonationStatus
    receipt_no: str | None
    received_at: datetime | None

    @classmethod
    def from_model(cls, donation: Donation) -> PublicDonation:
        return cls(
            id=donation.id,
            project_id=donation.project_id,
            amount_fen=donation.amount_fen,
            donor=ANONYMOUS_ZH if donation.anonymous else donation.donor_name,
            donor_kind=donation.donor_kind,
            status=donation.status,
            receipt_no=receipt_no(donation.receipt_year, donation.receipt_number),
            received_at=donation.received_at,
        )


class CallbackAnswer(BaseModel):
    """What the provider is told: `posted` the first time, `unchanged` for a replay."""

    donation_id: uuid.UUID
    outcome: str = Field(examples=["posted", "unchanged", "failed"])
