"""Tables of svc-funds, on a Base of its own from the kernel's frame (`linli.common.models`)."""

from linli.funds.models.audit import AuditRecord
from linli.funds.models.base import Base
from linli.funds.models.committees import CommitteeMember, Represents
from linli.funds.models.donations import Donation, DonationStatus, DonorKind, ReceiptCounter
from linli.funds.models.funds import Account, AccountKind, Fund, FundKind
from linli.funds.models.incomes import Income
from linli.funds.models.ledger import EntryKind, LedgerEntry, LedgerLine
from linli.funds.models.payments import PaymentApproval, PaymentKind, PaymentRequest, PaymentStatus
from linli.funds.models.projects import (
    Project,
    ProjectApproval,
    ProjectOrigin,
    ProjectPhoto,
    ProjectStatus,
    ProjectUpdate,
)

__all__ = [
    "Account",
    "AccountKind",
    "AuditRecord",
    "Base",
    "CommitteeMember",
    "Donation",
    "DonationStatus",
    "DonorKind",
    "EntryKind",
    "Fund",
    "FundKind",
    "Income",
    "LedgerEntry",
    "LedgerLine",
    "PaymentApproval",
    "PaymentKind",
    "PaymentRequest",
    "PaymentStatus",
    "Project",
    "ProjectApproval",
    "ProjectOrigin",
    "ProjectPhoto",
    "ProjectStatus",
    "ProjectUpdate",
    "ReceiptCounter",
    "Represents",
]
