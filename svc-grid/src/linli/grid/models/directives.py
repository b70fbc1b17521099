"""Directives from above (上级指令): what was issued, to whom, each one's answer, each amendment."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.divisions import Level
from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.grid.models import Base


class Directive(Base):
    """One directive as its issuer (a street, district or city) sent it."""

    __tablename__ = "directives"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    # The issuing unit: 4, 6 or 9 digits (a community never issues).
    issuer_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    issuer_level: Mapped[Level] = mapped_column(
        str_enum(Level, "directive_issuer_level"), nullable=False
    )
    issued_by_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    issued_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    remind_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Every community it was sent to, snapshotted at issue time: communities that appear later
    # are not added, so "all of them" means the same set for its whole life.
    target_count: Mapped[int] = mapped_column(Integer, nullable=False)
    issued_at: Mapped[datetime] = created_at_column()
    # How many amendments it has had (its rows in `directive_revisions`): a PATCH names the
    # revision it was written against, so two editors never overwrite each other unseen.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    amended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_subject: Mapped[str | None] = mapped_column(String(64))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("length(issuer_code) IN (4, 6, 9)", name="issuer_above_community"),
        CheckConstraint("target_count > 0", name="has_targets"),
        CheckConstraint("revision >= 0", name="revision_not_negative"),
        CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawal_reason IS NULL)", name="withdrawn_with_reason"
        ),
        # The issuer's list: newest first within a division prefix.
        Index("ix_directives_issuer", "issuer_code", "issued_at", "id"),
    )


class DirectiveTarget(Base):
    """One community a directive was sent to, and how far it has got: 签收, then completion."""

    __tablename__ = "directive_targets"

    directive_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("directives.id", ondelete="CASCADE"), primary_key=True
    )
    community_code: Mapped[str] = mapped_column(division_code_type(), primary_key=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_subject: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by_subject: Mapped[str | None] = mapped_column(String(64))
    completion_note: Mapped[str | None] = mapped_column(Text)
    # Judged against the deadline in force when it was reported: a later extension does not
    # rewrite a late report into an early one (its `directive.completed` said late).
    completed_late: Mapped[bool | None] = mapped_column(Boolean)
    # When the reminder and the overdue notice went out for this unit (each once).
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Closed by the directive's withdrawal before it was completed (a completed row stays so).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "completed_at IS NULL OR acknowledged_at IS NOT NULL", name="acknowledged_first"
        ),
        CheckConstraint(
            "(completed_at IS NULL) = (completed_late IS NULL)", name="completed_with_late"
        ),
        CheckConstraint(
            "withdrawn_at IS NULL OR completed_at IS NULL", name="withdrawn_or_completed"
        ),
        # A community's inbox.
        Index("ix_directive_targets_community", "community_code", "directive_id"),
    )


class DirectiveFile(Base):
    """An attachment of the issuer (`community_code` null) or a community's evidence of completion."""

    __tablename__ = "directive_files"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    directive_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("directives.id", ondelete="CASCADE"), nullable=False
    )
    community_code: Mapped[str | None] = mapped_column(division_code_type(), nullable=True)
    key: Mapped[str] = mapped_column(String(300), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_directive_files_directive", "directive_id", "community_code"),)


class DirectiveRevision(Base):
    """One amendment of a directive by its issuer: who, when, and each changed field's values."""

    __tablename__ = "directive_revisions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    directive_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("directives.id", ondelete="CASCADE"), nullable=False
    )
    # The directive's revision this amendment made (1 for the first).
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    amended_by_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    amended_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    amended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # {"field": value} of the changed fields only, before and after (times as ISO 8601).
    old_values: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    new_values: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)

    __table_args__ = (
        # Also the directive's history in order.
        UniqueConstraint("directive_id", "revision", name="uq_directive_revisions_revision"),
        CheckConstraint("revision > 0", name="revision_positive"),
    )
