"""A fund's management committee: donor and resident representatives, each with a term."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, new_id, str_enum
from linli.funds.models.base import Base


class Represents(StrEnum):
    """Whom a member speaks for on the committee."""

    DONORS = "donors"
    RESIDENTS = "residents"
    COMMUNITY = "community"


class CommitteeMember(Base):
    """A seat on a fund's committee, held by the account `subject` from `term_start` to
    `term_end` (both days included, Asia/Shanghai)."""

    __tablename__ = "committee_members"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    fund_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funds.id"), nullable=False
    )
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(50), nullable=False)
    represents: Mapped[Represents] = mapped_column(
        str_enum(Represents, "represents"), nullable=False
    )
    term_start: Mapped[date] = mapped_column(Date, nullable=False)
    term_end: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("fund_id", "subject", name="uq_committee_members_fund_id_subject"),
        CheckConstraint("term_end >= term_start", name="term_ordered"),
    )
