"""Bulk import jobs of households and residents, and the bad rows of rejected imports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'queued', 'validating', 'storing', 'completed', 'rejected', 'failed'"


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("scope_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("file_bytes", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_validated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_stored", sa.Integer(), server_default="0", nullable=False),
        sa.Column("bad_rows", sa.Integer(), server_default="0", nullable=False),
        sa.Column("households_created", sa.Integer(), server_default="0", nullable=False),
        sa.Column("places_created", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "heartbeat_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status IN ('completed', 'rejected', 'failed')) = (finished_at IS NOT NULL)",
            name=op.f("ck_import_jobs_finished_recorded"),
        ),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name=op.f("ck_import_jobs_status")),
        sa.CheckConstraint("format IN ('csv', 'xlsx')", name=op.f("ck_import_jobs_format")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
        sa.UniqueConstraint("created_by", "idempotency_key", name="uq_import_jobs_created_by_key"),
    )
    op.create_index(
        "ix_import_jobs_scope_created", "import_jobs", ["scope_code", "created_at"], unique=False
    )
    op.create_index(
        "ix_import_jobs_active",
        "import_jobs",
        ["heartbeat_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('queued', 'validating', 'storing')"),
    )
    op.create_table(
        "import_bad_rows",
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_jobs.id"],
            name=op.f("fk_import_bad_rows_job_id_import_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_import_bad_rows")),
    )


def downgrade() -> None:
    op.drop_table("import_bad_rows")
    op.drop_index(
        "ix_import_jobs_active",
        table_name="import_jobs",
        postgresql_where=sa.text("status IN ('queued', 'validating', 'storing')"),
    )
    op.drop_index("ix_import_jobs_scope_created", table_name="import_jobs")
    op.drop_table("import_jobs")
