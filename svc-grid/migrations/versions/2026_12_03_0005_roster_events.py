"""The roster follows the registry's household and resident events: last event time, tombstones.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "household_roster", sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "household_roster", sa.Column("address_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "household_roster", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "roster_members", sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "roster_members", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("roster_members", "deleted_at")
    op.drop_column("roster_members", "last_event_at")
    op.drop_column("household_roster", "deleted_at")
    op.drop_column("household_roster", "address_at")
    op.drop_column("household_roster", "last_event_at")
