"""Grid workers assigned to grids, and duty shifts (grid and community rosters).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duty_shifts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("grid_id", sa.UUID(), nullable=True),
        sa.Column("worker_subject", sa.String(length=64), nullable=False),
        sa.Column("worker_name_masked", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_duty_shifts_ends_after_start")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_shifts")),
    )
    op.create_index(
        "ix_duty_shifts_community", "duty_shifts", ["community_code", "starts_at"], unique=False
    )
    op.create_index("ix_duty_shifts_grid", "duty_shifts", ["grid_id", "starts_at"], unique=False)
    op.create_table(
        "grid_workers",
        sa.Column("grid_id", sa.UUID(), nullable=False),
        sa.Column("worker_subject", sa.String(length=64), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("name_masked", sa.String(length=64), nullable=False),
        sa.Column(
            "assigned_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("grid_id", "worker_subject", name=op.f("pk_grid_workers")),
    )
    op.create_index("ix_grid_workers_subject", "grid_workers", ["worker_subject"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_grid_workers_subject", table_name="grid_workers")
    op.drop_table("grid_workers")
    op.drop_index("ix_duty_shifts_grid", table_name="duty_shifts")
    op.drop_index("ix_duty_shifts_community", table_name="duty_shifts")
    op.drop_table("duty_shifts")
