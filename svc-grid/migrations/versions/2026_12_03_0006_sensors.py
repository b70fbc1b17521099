"""Sensors: devices with hashed credentials; alerts folded into incidents, their alarm and its acknowledgement.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("grid_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
    )
    op.add_column("incidents", sa.Column("device_id", sa.UUID(), nullable=True))
    op.add_column(
        "incidents",
        sa.Column("alert_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "incidents", sa.Column("last_alert_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "incidents", sa.Column("alarm_worker_subject", sa.String(length=64), nullable=True)
    )
    op.add_column(
        "incidents", sa.Column("alarm_raised_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "incidents", sa.Column("alarm_acknowledged_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_incidents_device",
        "incidents",
        ["device_id", "category_code", "last_alert_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_incidents_device", table_name="incidents")
    op.drop_column("incidents", "alarm_acknowledged_at")
    op.drop_column("incidents", "alarm_raised_at")
    op.drop_column("incidents", "alarm_worker_subject")
    op.drop_column("incidents", "last_alert_at")
    op.drop_column("incidents", "alert_count")
    op.drop_column("incidents", "device_id")
    op.drop_table("devices")
