"""Directives amended and withdrawn: their revisions, the revision counter, the withdrawal, and
each completion's lateness kept as reported.

Server defaults and a backfill keep every existing row valid: no directive was amended before
this migration, so each is at revision 0 and a completion's lateness is its time against the
one deadline it ever had.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.add_column(
        "directives",
        sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("directives", _at("amended_at"))
    op.add_column("directives", _at("withdrawn_at"))
    op.add_column("directives", sa.Column("withdrawn_by_subject", sa.String(64), nullable=True))
    op.add_column("directives", sa.Column("withdrawal_reason", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_directives_revision_not_negative"), "directives", "revision >= 0"
    )
    op.create_check_constraint(
        op.f("ck_directives_withdrawn_with_reason"),
        "directives",
        "(withdrawn_at IS NULL) = (withdrawal_reason IS NULL)",
    )
    op.add_column("directive_targets", sa.Column("completed_late", sa.Boolean(), nullable=True))
    op.add_column("directive_targets", _at("withdrawn_at"))
    op.execute(
        "UPDATE directive_targets AS t SET completed_late = t.completed_at > d.deadline"
        " FROM directives AS d WHERE d.id = t.directive_id AND t.completed_at IS NOT NULL"
    )
    op.create_check_constraint(
        op.f("ck_directive_targets_completed_with_late"),
        "directive_targets",
        "(completed_at IS NULL) = (completed_late IS NULL)",
    )
    op.create_check_constraint(
        op.f("ck_directive_targets_withdrawn_or_completed"),
        "directive_targets",
        "withdrawn_at IS NULL OR completed_at IS NULL",
    )
    op.create_table(
        "directive_revisions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("directive_id", sa.UUID(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("amended_by_subject", sa.String(length=64), nullable=False),
        sa.Column("amended_by_role", sa.String(length=32), nullable=False),
        sa.Column("amended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("new_values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("revision > 0", name=op.f("ck_directive_revisions_revision_positive")),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["directives.id"],
            name=op.f("fk_directive_revisions_directive_id_directives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directive_revisions")),
        sa.UniqueConstraint(
            "directive_id", "revision", name=op.f("uq_directive_revisions_revision")
        ),
    )


def downgrade() -> None:
    op.drop_table("directive_revisions")
    op.drop_constraint(
        op.f("ck_directive_targets_withdrawn_or_completed"), "directive_targets", type_="check"
    )
    op.drop_constraint(
        op.f("ck_directive_targets_completed_with_late"), "directive_targets", type_="check"
    )
    op.drop_column("directive_targets", "withdrawn_at")
    op.drop_column("directive_targets", "completed_late")
    op.drop_constraint(op.f("ck_directives_withdrawn_with_reason"), "directives", type_="check")
    op.drop_constraint(op.f("ck_directives_revision_not_negative"), "directives", type_="check")
    for column in (
        "withdrawal_reason",
        "withdrawn_by_subject",
        "withdrawn_at",
        "amended_at",
        "revision",
    ):
        op.drop_column("directives", column)
