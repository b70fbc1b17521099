"""A campaign's goal counted: rounds required per household, each household's rounds, and the
goal-met households and residents in the counter rows.

Server defaults keep every existing row valid: a campaign asks one round (reached was its goal).
Households already reached get their first round (on the business day they were reached), and
since one round was the goal, the counters' goal met is their reached.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _zero(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)


def upgrade() -> None:
    op.add_column(
        "campaigns",
        sa.Column("rounds_required", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_campaigns_rounds_required_range"),
        "campaigns",
        "rounds_required BETWEEN 1 AND 10",
    )
    op.add_column("campaign_households", _zero("rounds"))
    op.add_column("campaign_households", sa.Column("last_round_on", sa.Date(), nullable=True))
    op.create_check_constraint(
        op.f("ck_campaign_households_rounds_not_negative"), "campaign_households", "rounds >= 0"
    )
    op.add_column("campaign_counters", _zero("households_goal_met"))
    op.add_column("campaign_counters", _zero("residents_goal_met"))
    op.create_check_constraint(
        op.f("ck_campaign_counters_goal_met_within_reached"),
        "campaign_counters",
        "households_goal_met >= 0 AND households_goal_met <= households_reached "
        "AND residents_goal_met >= 0 AND residents_goal_met <= residents_reached",
    )
    op.execute(
        "UPDATE campaign_households SET rounds = 1,"
        " last_round_on = (reached_at AT TIME ZONE 'Asia/Shanghai')::date"
        " WHERE reached_at IS NOT NULL"
    )
    op.execute(
        "UPDATE campaign_counters SET households_goal_met = households_reached,"
        " residents_goal_met = residents_reached"
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_campaign_counters_goal_met_within_reached"), "campaign_counters", type_="check"
    )
    op.drop_column("campaign_counters", "residents_goal_met")
    op.drop_column("campaign_counters", "households_goal_met")
    op.drop_constraint(
        op.f("ck_campaign_households_rounds_not_negative"), "campaign_households", type_="check"
    )
    op.drop_column("campaign_households", "last_round_on")
    op.drop_column("campaign_households", "rounds")
    op.drop_constraint(op.f("ck_campaigns_rounds_required_range"), "campaigns", type_="check")
    op.drop_column("campaigns", "rounds_required")
