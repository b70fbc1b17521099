"""Numbered receipts of donations: a gap-free number per fund and year, from a counter row.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:44:25.065442+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipt_counters",
        sa.Column("fund_id", sa.UUID(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_receipt_counters_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("fund_id", "year", name=op.f("pk_receipt_counters")),
    )
    op.add_column("donations", sa.Column("receipt_year", sa.Integer(), nullable=True))
    op.add_column("donations", sa.Column("receipt_number", sa.Integer(), nullable=True))
    # Donations posted before receipts existed are numbered in the order they were received.
    op.execute(
        """
        WITH numbered AS (
            SELECT id,
                   EXTRACT(YEAR FROM received_at AT TIME ZONE 'Asia/Shanghai')::int AS year,
                   row_number() OVER (
                       PARTITION BY fund_id,
                                    EXTRACT(YEAR FROM received_at AT TIME ZONE 'Asia/Shanghai')
                       ORDER BY received_at, id
                   ) AS number
            FROM donations
            WHERE status <> 'pending'
        )
        UPDATE donations
        SET receipt_year = numbered.year, receipt_number = numbered.number
        FROM numbered
        WHERE donations.id = numbered.id
        """
    )
    op.execute(
        """
        INSERT INTO receipt_counters (fund_id, year, last_number)
        SELECT fund_id, receipt_year, max(receipt_number)
        FROM donations
        WHERE receipt_number IS NOT NULL
        GROUP BY fund_id, receipt_year
        """
    )
    op.create_unique_constraint(
        "uq_donations_fund_id_receipt", "donations", ["fund_id", "receipt_year", "receipt_number"]
    )
    op.create_check_constraint(
        op.f("ck_donations_posted_has_receipt"),
        "donations",
        "(status = 'pending') = (receipt_number IS NULL)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_donations_posted_has_receipt"), "donations", type_="check")
    op.drop_constraint("uq_donations_fund_id_receipt", "donations", type_="unique")
    op.drop_column("donations", "receipt_number")
    op.drop_column("donations", "receipt_year")
    op.drop_table("receipt_counters")
