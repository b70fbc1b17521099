"""Failed logins are counted per account and source address by the gateway's throttle (memory or
Redis), no longer on the account row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("staff_accounts", "failed_attempts")
    op.drop_column("staff_accounts", "locked_until")


def downgrade() -> None:
    op.add_column(
        "staff_accounts",
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "staff_accounts",
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
    )
