"""Bulk import jobs (批量导入) of households and residents, and the bad rows of rejected ones."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
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
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.residents.models.base import Base


class ImportStatus(StrEnum):
    """queued → validating → storing → completed; or rejected (bad rows, nothing stored), or
    failed (an error or a dead process, nothing stored)."""

    QUEUED = "queued"
    VALIDATING = "validating"
    STORING = "storing"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"


ACTIVE_IMPORT_STATUSES = (ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.STORING)


class ImportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class ImportJob(Base):
    """One uploaded file and its progress. The file itself lives only in the importing process's
    temporary folder: a job whose process died can never finish, and is failed once its
    heartbeat is stale."""

    __tablename__ = "import_jobs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    # Every row's community must start with it; the importer's scope or a division below it.
    scope_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus, "status"), nullable=False)
    format: Mapped[ImportFormat] = mapped_column(str_enum(ImportFormat, "format"), nullable=False)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    file_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(255), nullable=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    rows_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rows_validated: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    rows_stored: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    bad_rows: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    households_created: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    places_created: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    # Written every few seconds by the running job; a stale one means its process is gone.
    heartbeat_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("now()")
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        CheckConstraint(
            "(status IN ('completed', 'rejected', 'failed')) = (finished_at IS NOT NULL)",
            name="finished_recorded",
        ),
        # A retried upload with the same Idempotency-Key finds the first job.
        UniqueConstraint("created_by", "idempotency_key", name="uq_import_jobs_created_by_key"),
        Index("ix_import_jobs_scope_created", "scope_code", "created_at"),
        Index(
            "ix_import_jobs_active",
            "heartbeat_at",
            postgresql_where=text("status IN ('queued', 'validating', 'storing')"),
        ),
    )


class ImportBadRow(Base):
    """One reason a row of a rejected import was refused. An ID number or phone is kept masked."""

    __tablename__ = "import_bad_rows"

    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    # As a spreadsheet numbers it: the header is row 1.
    row: Mapped[int] = mapped_column(Integer, nullable=False)
    column: Mapped[str] = mapped_column(String(64), nullable=False)
    value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    reason_en: Mapped[str] = mapped_column(Text, nullable=False)
    reason_zh: Mapped[str] = mapped_column(Text, nullable=False)
