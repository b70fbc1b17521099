"""Projects (公益项目): a proposal, the committee's vote, a budget and crowdfunding goal, updates
on the work with photos, and a completion report."""

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
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, new_id, str_enum
from linli.funds.models.base import Base


class ProjectStatus(StrEnum):
    """`proposed`: waiting for its budget and the committee's vote; `approved`: crowdfunding
    and work under way; `rejected`; `completed`: the report is in."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"


class ProjectOrigin(StrEnum):
    """Who put it forward: the fund's staff, a resident, or an adopted 议一议 proposal of the
    service hall (金点子)."""

    STAFF = "staff"
    RESIDENT = "resident"
    HALL = "hall"


class Project(Base):
    """A community project paid from a fund and crowdfunded into it. `budget_fen` is what the
    committee approves; `goal_fen` what residents are asked to give (the budget by default)."""

    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    fund_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funds.id"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    origin: Mapped[ProjectOrigin] = mapped_column(str_enum(ProjectOrigin, "origin"), nullable=False)
    # The hall's proposal it came from: one project per proposal, however often the event comes.
    hall_proposal_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), nullable=True, unique=True
    )
    proposed_by: Mapped[str] = mapped_column(String(255), nullable=False)
    budget_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    goal_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Fixed when the budget is set, from the fund's rules then (as payment requests do).
    approvals_required: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[ProjectStatus] = mapped_column(
        str_enum(ProjectStatus, "status"), nullable=False, default=ProjectStatus.PROPOSED
    )
    rejected_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    funded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    completion_report: Mapped[str | None] = mapped_column(Text, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("budget_fen IS NULL OR budget_fen > 0", name="budget_positive"),
        CheckConstraint("goal_fen IS NULL OR goal_fen > 0", name="goal_positive"),
        CheckConstraint(
            "status = 'proposed' OR status = 'rejected' OR budget_fen IS NOT NULL",
            name="approved_has_budget",
        ),
        CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)", name="completed_has_date"
        ),
        Index("ix_projects_fund_created", "fund_id", "created_at", "id"),
    )


class ProjectApproval(Base):
    """One committee member's approval of a project; a second by the same member is refused."""

    __tablename__ = "project_approvals"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id"), nullable=False
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("committee_members.id"), nullable=False
    )
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint(
            "project_id", "member_id", name="uq_project_approvals_project_id_member_id"
        ),
    )


class ProjectUpdate(Base):
    """A report on the work as it goes, shown on the project's public page."""

    __tablename__ = "project_updates"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id"), nullable=False
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    author: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_project_updates_project_created", "project_id", "created_at", "id"),
    )


class ProjectPhoto(Base):
    """A photo of an update, in the service's file store (`key`); served publicly with its
    project's page."""

    __tablename__ = "project_photos"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    update_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("project_updates.id"), nullable=False, index=True
    )
    key: Mapped[str] = mapped_column(String(512), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
