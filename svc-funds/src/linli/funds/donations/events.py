"""Events of donations. No donor's name or account: the amount, the kind of donor, whether they
chose anonymity, the ids."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from linli.funds.funds.events import FundEvent
from linli.funds.models import DonorKind


class DonationPledged(FundEvent):
    """A donor started a donation: an intent waits at the payment provider."""

    entity: ClassVar[str] = "donation"
    verb: ClassVar[str] = "pledged"

    type: Literal["cn.linli.funds.donation.pledged.v1"] = "cn.linli.funds.donation.pledged.v1"
    donation_id: uuid.UUID
    project_id: uuid.UUID | None = None
    amount_fen: int
    donor_kind: DonorKind
    anonymous: bool


class DonationReceived(FundEvent):
    """The provider confirmed the donation and it was posted to the fund."""

    entity: ClassVar[str] = "donation"
    verb: ClassVar[str] = "received"

    type: Literal["cn.linli.funds.donation.received.v1"] = "cn.linli.funds.donation.received.v1"
    donation_id: uuid.UUID
    project_id: uuid.UUID | None = None
    entry_id: uuid.UUID
    amount_fen: int
    donor_kind: DonorKind
    anonymous: bool
    balance_fen: int


class DonationRefunded(FundEvent):
    """A received donation was given back: a reversing entry."""

    entity: ClassVar[str] = "donation"
    verb: ClassVar[str] = "refunded"

    type: Literal["cn.linli.funds.donation.refunded.v1"] = "cn.linli.funds.donation.refunded.v1"
    donation_id: uuid.UUID
    entry_id: uuid.UUID
    reverses_entry_id: uuid.UUID
    amount_fen: int
    balance_fen: int
