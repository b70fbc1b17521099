"""Household roster (户籍名册): households and residents copied from resident.approved events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "household_roster",
        sa.Column("household_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("grid_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("members", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("first_seen_event_id", sa.String(length=128), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_household_roster")),
    )
    op.create_index(
        "ix_household_roster_listing",
        "household_roster",
        ["community_code", "address", "household_id"],
    )
    op.create_table(
        "roster_members",
        sa.Column("resident_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("household_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("name_masked", sa.String(length=64), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household_roster.household_id"],
            name=op.f("fk_roster_members_household_id_household_roster"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_roster_members")),
    )
    op.create_index(op.f("ix_roster_members_household_id"), "roster_members", ["household_id"])


def downgrade() -> None:
    op.drop_table("roster_members")
    op.drop_table("household_roster")
