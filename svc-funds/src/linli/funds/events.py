"""Everything svc-funds publishes, as one discriminated union on `type` (the event catalogue)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from linli.funds.committees.events import CommitteeMemberAppointed, CommitteeMemberTermChanged
from linli.funds.donations.events import DonationPledged, DonationReceived, DonationRefunded
from linli.funds.funds.events import FundCreated, FundRulesChanged
from linli.funds.ledger.events import IncomeReceived, TransferReceived
from linli.funds.payments.events import (
    PaymentApproved,
    PaymentPaid,
    PaymentRejected,
    PaymentRequested,
)
from linli.funds.projects.events import (
    ProjectApproved,
    ProjectBudgetSet,
    ProjectCompleted,
    ProjectFunded,
    ProjectProposed,
    ProjectRejected,
    ProjectUpdated,
    ProjectVoted,
)

FundsEvent = Annotated[
    FundCreated
    | FundRulesChanged
    | IncomeReceived
    | TransferReceived
    | CommitteeMemberAppointed
    | CommitteeMemberTermChanged
    | PaymentRequested
    | PaymentApproved
    | PaymentPaid
    | PaymentRejected
    | DonationPledged
    | DonationReceived
    | DonationRefunded
    | ProjectProposed
    | ProjectBudgetSet
    | ProjectVoted
    | ProjectApproved
    | ProjectRejected
    | ProjectFunded
    | ProjectUpdated
    | ProjectCompleted,
    Field(discriminator="type"),
]

funds_event_adapter: TypeAdapter[FundsEvent] = TypeAdapter(FundsEvent)
"""Parses the `data` of any event of this service into its class (consumers, tests, docs)."""

__all__ = ["FundsEvent", "funds_event_adapter"]
