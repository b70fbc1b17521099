"""Transfers between funds (a payment request of kind `transfer` naming the fund it pays into) and
income from social enterprises, once per site and business date (the hall's canteen.day_closed).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:27:37.448444+00:00
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
    op.add_column("incomes", sa.Column("site_id", sa.UUID(), nullable=True))
    op.add_column("incomes", sa.Column("business_date", sa.Date(), nullable=True))
    op.create_unique_constraint(
        "uq_incomes_site_id_business_date", "incomes", ["site_id", "business_date"]
    )
    op.create_check_constraint(
        op.f("ck_incomes_site_day_together"),
        "incomes",
        "(site_id IS NULL) = (business_date IS NULL)",
    )
    op.add_column("payment_requests", sa.Column("to_fund_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_payment_requests_to_fund_id_funds"),
        "payment_requests",
        "funds",
        ["to_fund_id"],
        ["id"],
    )
    # The kind's CHECK (an Enum without a native type) gains `transfer`.
    op.drop_constraint("kind", "payment_requests", type_="check")
    op.create_check_constraint(
        "kind", "payment_requests", "kind IN ('payment', 'reimbursement', 'transfer')"
    )
    op.create_check_constraint(
        op.f("ck_payment_requests_transfer_has_target"),
        "payment_requests",
        "(kind = 'transfer') = (to_fund_id IS NOT NULL) AND to_fund_id IS DISTINCT FROM fund_id",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_payment_requests_transfer_has_target"), "payment_requests", type_="check"
    )
    op.drop_constraint("kind", "payment_requests", type_="check")
    op.create_check_constraint("kind", "payment_requests", "kind IN ('payment', 'reimbursement')")
    op.drop_constraint(
        op.f("fk_payment_requests_to_fund_id_funds"), "payment_requests", type_="foreignkey"
    )
    op.drop_column("payment_requests", "to_fund_id")
    op.drop_constraint(op.f("ck_incomes_site_day_together"), "incomes", type_="check")
    op.drop_constraint("uq_incomes_site_id_business_date", "incomes", type_="unique")
    op.drop_column("incomes", "business_date")
    op.drop_column("incomes", "site_id")
