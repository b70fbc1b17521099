"""Directives from above (上级指令): directives, the communities each was sent to, their files.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
# "0009" (campaigns) is built alongside; the lead re-chains this one after it at merge.
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _code() -> sa.String:
    return sa.String(length=12, collation="C")


def upgrade() -> None:
    op.create_table(
        "directives",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("issuer_code", _code(), nullable=False),
        sa.Column(
            "issuer_level",
            sa.Enum(
                "city",
                "district",
                "street",
                "community",
                name="directive_issuer_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("issued_by_subject", sa.String(length=64), nullable=False),
        sa.Column("issued_by_role", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("target_count", sa.Integer(), nullable=False),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "length(issuer_code) IN (4, 6, 9)", name=op.f("ck_directives_issuer_above_community")
        ),
        sa.CheckConstraint("target_count > 0", name=op.f("ck_directives_has_targets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directives")),
    )
    op.create_index("ix_directives_issuer", "directives", ["issuer_code", "issued_at", "id"])
    op.create_table(
        "directive_targets",
        sa.Column("directive_id", sa.UUID(), nullable=False),
        sa.Column("community_code", _code(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_subject", sa.String(length=64), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_subject", sa.String(length=64), nullable=True),
        sa.Column("completion_note", sa.Text(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "completed_at IS NULL OR acknowledged_at IS NOT NULL",
            name=op.f("ck_directive_targets_acknowledged_first"),
        ),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["directives.id"],
            name=op.f("fk_directive_targets_directive_id_directives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "directive_id", "community_code", name=op.f("pk_directive_targets")
        ),
    )
    op.create_index(
        "ix_directive_targets_community",
        "directive_targets",
        ["community_code", "directive_id"],
    )
    op.create_table(
        "directive_files",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("directive_id", sa.UUID(), nullable=False),
        sa.Column("community_code", _code(), nullable=True),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["directives.id"],
            name=op.f("fk_directive_files_directive_id_directives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directive_files")),
    )
    op.create_index(
        "ix_directive_files_directive", "directive_files", ["directive_id", "community_code"]
    )


def downgrade() -> None:
    op.drop_index("ix_directive_files_directive", table_name="directive_files")
    op.drop_table("directive_files")
    op.drop_index("ix_directive_targets_community", table_name="directive_targets")
    op.drop_table("directive_targets")
    op.drop_index("ix_directives_issuer", table_name="directives")
    op.drop_table("directives")
