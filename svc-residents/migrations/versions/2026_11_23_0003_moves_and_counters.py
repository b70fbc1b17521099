"""Moves (resident_moves) and the per-community counters behind the statistics, backfilled from
the existing rows; a record that moved out is kept with deletion reason `moved_out`.

Downgrade turns `moved_out` back into `other` (the reason the old schema would have had to use).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REASONS = "'deceased', 'duplicate', 'entered_in_error', 'other'"
_REASONS_WITH_MOVES = _REASONS + ", 'moved_out'"

# The same counts as CounterRepository.recount, over every community.
_BACKFILL = (
    """
    INSERT INTO community_counters (community_code, residents, households, pending_registrations)
    SELECT community_code, sum(residents), sum(households), sum(pending) FROM (
        SELECT community_code, count(*) AS residents, 0 AS households, 0 AS pending
        FROM residents WHERE deleted_at IS NULL GROUP BY community_code
        UNION ALL
        SELECT community_code, 0, count(*), 0
        FROM households WHERE deleted_at IS NULL GROUP BY community_code
        UNION ALL
        SELECT community_code, 0, 0, count(*)
        FROM registrations WHERE status = 'pending' GROUP BY community_code
    ) AS counts
    GROUP BY community_code
    """,
    """
    INSERT INTO community_tag_counts (community_code, tag, n)
    SELECT community_code, tag, count(*) FROM residents, unnest(tags) AS tag
    WHERE deleted_at IS NULL GROUP BY community_code, tag
    """,
    """
    INSERT INTO community_birth_year_counts (community_code, birth_year, n)
    SELECT community_code, extract(year FROM birth_date)::smallint, count(*) FROM residents
    WHERE deleted_at IS NULL GROUP BY 1, 2
    """,
    """
    INSERT INTO community_birth_date_counts (community_code, birth_date, n)
    SELECT community_code, birth_date, count(*) FROM residents
    WHERE deleted_at IS NULL GROUP BY 1, 2
    """,
)


def _code() -> sa.String:
    return sa.String(length=12, collation="C")


def upgrade() -> None:
    for table in ("households", "residents"):
        op.drop_constraint(op.f(f"ck_{table}_deletion_reason"), table, type_="check")
        op.create_check_constraint(
            op.f(f"ck_{table}_deletion_reason"),
            table,
            f"deletion_reason IN ({_REASONS_WITH_MOVES})",
        )
    op.create_table(
        "resident_moves",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("whole_household", sa.Boolean(), nullable=False),
        sa.Column("from_community_code", _code(), nullable=True),
        sa.Column("from_household_id", sa.UUID(), nullable=True),
        sa.Column("from_dwelling_id", sa.UUID(), nullable=True),
        sa.Column("to_community_code", _code(), nullable=True),
        sa.Column("to_household_id", sa.UUID(), nullable=True),
        sa.Column("to_dwelling_id", sa.UUID(), nullable=True),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'in') = (from_community_code IS NULL)"
            " AND (kind = 'out') = (to_community_code IS NULL)",
            name=op.f("ck_resident_moves_sides_of_kind"),
        ),
        sa.CheckConstraint(
            "(from_community_code IS NULL) = (from_household_id IS NULL)"
            " AND (from_household_id IS NULL) = (from_dwelling_id IS NULL)"
            " AND (to_community_code IS NULL) = (to_household_id IS NULL)"
            " AND (to_household_id IS NULL) = (to_dwelling_id IS NULL)",
            name=op.f("ck_resident_moves_sides_complete"),
        ),
        sa.CheckConstraint(
            "kind IN ('in', 'out', 'transfer')", name=op.f("ck_resident_moves_kind")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_resident_moves_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["from_community_code"],
            ["divisions.code"],
            name=op.f("fk_resident_moves_from_community_code_divisions"),
        ),
        sa.ForeignKeyConstraint(
            ["from_household_id"],
            ["households.id"],
            name=op.f("fk_resident_moves_from_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["from_dwelling_id"],
            ["dwellings.id"],
            name=op.f("fk_resident_moves_from_dwelling_id_dwellings"),
        ),
        sa.ForeignKeyConstraint(
            ["to_community_code"],
            ["divisions.code"],
            name=op.f("fk_resident_moves_to_community_code_divisions"),
        ),
        sa.ForeignKeyConstraint(
            ["to_household_id"],
            ["households.id"],
            name=op.f("fk_resident_moves_to_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["to_dwelling_id"],
            ["dwellings.id"],
            name=op.f("fk_resident_moves_to_dwelling_id_dwellings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_moves")),
    )
    op.create_index(
        "ix_resident_moves_from_community_created",
        "resident_moves",
        ["from_community_code", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_resident_moves_to_community_created",
        "resident_moves",
        ["to_community_code", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_resident_moves_resident_id", "resident_moves", ["resident_id"], unique=False
    )
    op.create_table(
        "community_counters",
        sa.Column("community_code", _code(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("pending_registrations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_code", name=op.f("pk_community_counters")),
    )
    op.create_table(
        "community_tag_counts",
        sa.Column("community_code", _code(), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_code", "tag", name=op.f("pk_community_tag_counts")),
    )
    op.create_table(
        "community_birth_year_counts",
        sa.Column("community_code", _code(), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "community_code", "birth_year", name=op.f("pk_community_birth_year_counts")
        ),
    )
    op.create_table(
        "community_birth_date_counts",
        sa.Column("community_code", _code(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "community_code", "birth_date", name=op.f("pk_community_birth_date_counts")
        ),
    )
    op.create_index(
        "ix_community_birth_date_counts_birth_date",
        "community_birth_date_counts",
        ["birth_date", "community_code"],
        unique=False,
    )
    for statement in _BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index(
        "ix_community_birth_date_counts_birth_date", table_name="community_birth_date_counts"
    )
    op.drop_table("community_birth_date_counts")
    op.drop_table("community_birth_year_counts")
    op.drop_table("community_tag_counts")
    op.drop_table("community_counters")
    op.drop_index("ix_resident_moves_resident_id", table_name="resident_moves")
    op.drop_index("ix_resident_moves_to_community_created", table_name="resident_moves")
    op.drop_index("ix_resident_moves_from_community_created", table_name="resident_moves")
    op.drop_table("resident_moves")
    for table in ("households", "residents"):
        op.drop_constraint(op.f(f"ck_{table}_deletion_reason"), table, type_="check")
        op.execute(
            f"UPDATE {table} SET deletion_reason = 'other' WHERE deletion_reason = 'moved_out'"
        )
        op.create_check_constraint(
            op.f(f"ck_{table}_deletion_reason"), table, f"deletion_reason IN ({_REASONS})"
        )
