"""Settlement: adjustments (corrections, never edits) and monthly statements, append-only."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.jobs_coop.models.base import Base


class StatementKind(StrEnum):
    """A statement pays a `worker` or bills an `enterprise`; both come from the same lines."""

    WORKER = "worker"
    ENTERPRISE = "enterprise"


class Adjustment(Base):
    """A correction of pay for work on an order (±fen), settled in the next statement issued."""

    __tablename__ = "adjustments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id"), nullable=False
    )
    work_order_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("work_orders.id"), nullable=False
    )
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id"), nullable=False
    )
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    # The statement it corrects, when it corrects one.
    corrects_statement_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("statements.id"), nullable=True
    )
    recorded_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
        Index("ix_adjustments_community_code_created_at", "community_code", "created_at"),
    )


class Statement(Base):
    """A monthly statement of one worker or one enterprise, issued once and never changed (the
    database refuses UPDATE and DELETE)."""

    __tablename__ = "statements"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("statement_runs.id"), nullable=False
    )
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    month: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[StatementKind] = mapped_column(str_enum(StatementKind, "kind"), nullable=False)
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id"), nullable=True
    )
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id"), nullable=True
    )
    accepted: Mapped[int] = mapped_column(Integer, nullable=False)
    total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint(
            "(kind = 'worker') = (member_id IS NOT NULL)"
            " AND (kind = 'enterprise') = (enterprise_id IS NOT NULL)",
            name="party_matches_kind",
        ),
        UniqueConstraint(
            "run_id", "kind", "member_id", "enterprise_id", name="uq_statements_party"
        ),
        Index("ix_statements_community_code_month", "community_code", "month"),
    )


class StatementRun(Base):
    """One issue of a community's statements for a month: once per community and month."""

    __tablename__ = "statement_runs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    month: Mapped[date] = mapped_column(Date, nullable=False)
    total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    issued_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("community_code", "month", name="uq_statement_runs_community_code_month"),
        CheckConstraint("EXTRACT(DAY FROM month) = 1", name="month_is_first_day"),
    )


class StatementLine(Base):
    """One inspection's pay or one adjustment, on a worker's statement and on the enterprise's:
    each source is settled once per side, so the two sides add up to the fen."""

    __tablename__ = "statement_lines"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    statement_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("statements.id"), nullable=False
    )
    kind: Mapped[StatementKind] = mapped_column(str_enum(StatementKind, "kind"), nullable=False)
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inspections.id"), nullable=True
    )
    adjustment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("adjustments.id"), nullable=True
    )
    work_order_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("work_orders.id"), nullable=False
    )
    accepted: Mapped[int] = mapped_column(Integer, nullable=False)
    piece_rate_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)

    __table_args__ = (
        CheckConstraint("(inspection_id IS NULL) <> (adjustment_id IS NULL)", name="one_source"),
        CheckConstraint(
            "adjustment_id IS NOT NULL OR amount_fen = accepted * piece_rate_fen",
            name="amount_is_accepted_x_rate",
        ),
        UniqueConstraint("inspection_id", "kind", name="uq_statement_lines_inspection_id_kind"),
        UniqueConstraint("adjustment_id", "kind", name="uq_statement_lines_adjustment_id_kind"),
        Index("ix_statement_lines_statement_id", "statement_id"),
    )
