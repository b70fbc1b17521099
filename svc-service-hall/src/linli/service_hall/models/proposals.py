"""议一议: proposals, their supports (one per resident), comments with replies, and their record."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.service_hall.models import Base


class ProposalStatus(StrEnum):
    DISCUSSING = "discussing"
    UNDER_REVIEW = "under_review"
    ADOPTED = "adopted"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_ADOPTED = "not_adopted"


class Proposal(Base):
    """A resident's (or a level's) proposal to its community or street.

    `support_count` is kept in the transaction that adds a support, by an UPDATE that takes the
    row's lock: concurrent supports queue on it and none is lost; the unique key of
    `proposal_supports` makes a repeat count nothing.
    """

    __tablename__ = "proposals"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    # A community (12 digits) or a street (9): a street's proposal is seen by its communities.
    division_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    author_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    author_role: Mapped[str] = mapped_column(String(32), nullable=False)
    author_name_masked: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, "proposal_status"), nullable=False
    )
    support_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    support_threshold: Mapped[int] = mapped_column(Integer, nullable=False)
    on_agenda_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    hidden_by_role: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("support_count >= 0", name="proposal_support_count_non_negative"),
        CheckConstraint("support_threshold > 0", name="proposal_support_threshold_positive"),
        Index("ix_proposals_listing", "division_code", "created_at", "id"),
    )


class ProposalSupport(Base):
    """One resident's support of one proposal: the primary key makes it one."""

    __tablename__ = "proposal_supports"

    proposal_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    supporter_subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    created_at: Mapped[datetime] = created_at_column()


class ProposalComment(Base):
    """A comment, or a reply to one (`parent_id`), hidden by moderation with its reason kept."""

    __tablename__ = "proposal_comments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    proposal_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("proposal_comments.id", ondelete="CASCADE")
    )
    author_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    author_role: Mapped[str] = mapped_column(String(32), nullable=False)
    author_name_masked: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(2000), nullable=False)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    hidden_by_role: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_proposal_comments_proposal", "proposal_id", "created_at", "id"),)


class ProposalStep(Base):
    """The proposal's record: each move (with its answer), progress update and moderation."""

    __tablename__ = "proposal_steps"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    proposal_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False
    )
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    actor_role: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_name_masked: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_proposal_steps_proposal", "proposal_id", "id"),)
