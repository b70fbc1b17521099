"""Income posted to a fund: a social enterprise's profit (the canteen's day), interest, a grant."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, new_id
from linli.funds.models.base import Base


class Income(Base):
    """The source record of an `income` ledger entry."""

    __tablename__ = "incomes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    fund_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funds.id"), nullable=False
    )
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payer: Mapped[str] = mapped_column(String(100), nullable=False)
    memo: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(255), nullable=False)
    # A social enterprise's day (the hall's canteen.day_closed): posted once per site and date.
    site_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    business_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("(site_id IS NULL) = (business_date IS NULL)", name="site_day_together"),
        UniqueConstraint("site_id", "business_date", name="uq_incomes_site_id_business_date"),
    )
