"""Piece-work: work orders an enterprise posts, tasks (the batches people take home), their
deliveries and the quality inspection of each delivery."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.jobs_coop.models.base import Base
from linli.jobs_coop.models.pool import WorkMode


class OrderStatus(StrEnum):
    """`posted` by the enterprise; `open` once the coop split it (claimable); `completed` when
    every piece was accepted; `cancelled` by the enterprise before anything was handed out."""

    POSTED = "posted"
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskStatus(StrEnum):
    """A batch in a member's hands: `claimed` (or matched), `in_progress` once the material
    was picked up, `completed` when every piece of it was accepted."""

    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class TaskOrigin(StrEnum):
    """`claimed` by the member (接单); `matched` to them by a coordinator."""

    CLAIMED = "claimed"
    MATCHED = "matched"


class WorkOrder(Base):
    """Piece-work posted by an enterprise to a community's cooperative."""

    __tablename__ = "work_orders"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id"), nullable=False
    )
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    item: Mapped[str] = mapped_column(String(100), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    # Pieces nobody holds yet: every claim and match takes from it under the row's lock.
    quantity_left: Mapped[int] = mapped_column(Integer, nullable=False)
    piece_rate_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    required_skill: Mapped[str] = mapped_column(String(40), nullable=False)
    min_level: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=1)
    work_mode: Mapped[WorkMode] = mapped_column(str_enum(WorkMode, "work_mode"), nullable=False)
    pickup_site: Mapped[str] = mapped_column(String(200), nullable=False)
    factory_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("micro_factories.id"), nullable=True
    )
    quality_standard: Mapped[str] = mapped_column(Text, nullable=False)
    # Set by the split: the size of the batch a claim or a match hands out by default.
    batch_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, "status"), nullable=False, default=OrderStatus.POSTED
    )
    posted_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("quantity_left >= 0 AND quantity_left <= quantity", name="left_in_range"),
        CheckConstraint("piece_rate_fen > 0", name="piece_rate_positive"),
        CheckConstraint("min_level BETWEEN 1 AND 5", name="min_level_range"),
        CheckConstraint("batch_size IS NULL OR batch_size > 0", name="batch_size_positive"),
        Index("ix_work_orders_community_code_id", "community_code", "id"),
        Index("ix_work_orders_enterprise_id", "enterprise_id"),
    )


class Task(Base):
    """A batch of an order in one member's hands. Pieces at home = quantity − delivered +
    rejected (a rejected piece goes back for re-work); completed when accepted = quantity."""

    __tablename__ = "tasks"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    work_order_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("work_orders.id"), nullable=False
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id"), nullable=False
    )
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    origin: Mapped[TaskOrigin] = mapped_column(str_enum(TaskOrigin, "origin"), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    delivered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[TaskStatus] = mapped_column(
        str_enum(TaskStatus, "status"), nullable=False, default=TaskStatus.CLAIMED
    )
    picked_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    assigned_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "delivered >= 0 AND accepted >= 0 AND rejected >= 0", name="counts_not_negative"
        ),
        # Never more handed in than was ever at home, never more judged than handed in.
        CheckConstraint("delivered - rejected <= quantity", name="delivered_within_quantity"),
        CheckConstraint("accepted + rejected <= delivered", name="inspected_within_delivered"),
        Index("ix_tasks_work_order_id", "work_order_id"),
        Index("ix_tasks_member_id_created_at", "member_id", "created_at"),
        Index("ix_tasks_community_code_id", "community_code", "id"),
    )


class Delivery(Base):
    """Pieces a member handed in (first work or re-work), waiting for or past their inspection."""

    __tablename__ = "deliveries"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    task_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tasks.id"), nullable=False
    )
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    # How many of these pieces were re-work of rejected ones.
    rework: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    received_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("rework >= 0 AND rework <= quantity", name="rework_in_range"),
        Index("ix_deliveries_task_id", "task_id"),
    )


class Inspection(Base):
    """The quality check of one delivery: accepted + rejected ≤ delivered, with the reasons.
    What it accepts is what the member is paid for."""

    __tablename__ = "inspections"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("deliveries.id"), nullable=False
    )
    task_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tasks.id"), nullable=False
    )
    # Copied from the task and its order: settlement reads inspections alone.
    work_order_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("work_orders.id"), nullable=False
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id"), nullable=False
    )
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id"), nullable=False
    )
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    accepted: Mapped[int] = mapped_column(Integer, nullable=False)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False)
    piece_rate_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # accepted × piece rate, fixed when inspected.
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reasons: Mapped[list[str]] = mapped_column(JSONB, nullable=False, default=list)
    inspected_by: Mapped[str] = mapped_column(String(255), nullable=False)
    inspected_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("delivery_id", name="uq_inspections_delivery_id"),
        CheckConstraint("accepted >= 0 AND rejected >= 0", name="counts_not_negative"),
        CheckConstraint("amount_fen = accepted * piece_rate_fen", name="amount_is_accepted_x_rate"),
        Index("ix_inspections_community_code_inspected_at", "community_code", "inspected_at"),
        Index("ix_inspections_member_id", "member_id"),
    )
