"""Campaigns (scope, slots, contacts, coverage counters), visits and their photos; roster
members' tags and birth year, buildings' court.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _created_at() -> sa.Column[sa.DateTime]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _code(name: str) -> sa.Column[sa.String]:
    return sa.Column(name, sa.String(length=12, collation="C"), nullable=False)


def _zero(name: str) -> sa.Column[sa.Integer]:
    return sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)


def upgrade() -> None:
    op.add_column(
        "roster_members",
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
    )
    op.add_column("roster_members", sa.Column("birth_year", sa.Integer(), nullable=True))
    op.add_column("place_buildings", sa.Column("court_id", sa.UUID(), nullable=True))

    op.create_table(
        "campaigns",
        sa.Column("id", sa.UUID(), nullable=False),
        _code("division_code"),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("goal", sa.String(length=500), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", _enum("campaign_status", "running", "completed"), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _created_at(),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_campaigns_ends_after_start")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index("ix_campaigns_division", "campaigns", ["division_code", "status"])

    op.create_table(
        "campaign_slots",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("campaign_id", sa.UUID(), nullable=False),
        _code("community_code"),
        sa.Column("building", sa.String(length=64), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        _zero("assigned"),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_campaign_slots_capacity_positive")),
        sa.CheckConstraint(
            "assigned >= 0 AND assigned <= capacity",
            name=op.f("ck_campaign_slots_within_capacity"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_campaign_slots_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_slots_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_slots")),
    )
    op.create_index(
        "ix_campaign_slots_building",
        "campaign_slots",
        ["campaign_id", "community_code", "building", "starts_at"],
    )

    op.create_table(
        "campaign_households",
        sa.Column("campaign_id", sa.UUID(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        _code("community_code"),
        sa.Column("grid_id", sa.UUID(), nullable=True),
        sa.Column("building", sa.String(length=64), nullable=False),
        sa.Column("court_id", sa.UUID(), nullable=True),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("mode", _enum("visit_mode", "station", "door_to_door"), nullable=False),
        sa.Column("door_worker_subject", sa.String(length=64), nullable=True),
        sa.Column("slot_id", sa.UUID(), nullable=True),
        sa.Column(
            "joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("joined_late", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        _zero("not_at_home"),
        sa.Column("last_outcome", sa.String(length=32), nullable=True),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "mode = 'station' OR slot_id IS NULL",
            name=op.f("ck_campaign_households_door_to_door_no_slot"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_households_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["campaign_slots.id"],
            name=op.f("fk_campaign_households_slot_id_campaign_slots"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "household_id", name=op.f("pk_campaign_households")),
    )
    op.create_index(
        "ix_campaign_households_listing",
        "campaign_households",
        ["campaign_id", "community_code", "address", "household_id"],
    )
    op.create_index("ix_campaign_households_slot", "campaign_households", ["slot_id"])

    op.create_table(
        "campaign_contacts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("campaign_id", sa.UUID(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column(
            "outcome",
            _enum("contact_outcome", "reached", "not_at_home", "refused", "moved_away"),
            nullable=False,
        ),
        sa.Column("place", _enum("contact_place", "door", "station"), nullable=False),
        sa.Column("worker_subject", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_contacts")),
    )
    op.create_index(
        "ix_campaign_contacts_household",
        "campaign_contacts",
        ["campaign_id", "household_id", "at"],
    )

    op.create_table(
        "campaign_counters",
        sa.Column("campaign_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        _zero("households_total"),
        _zero("households_reached"),
        _zero("residents_total"),
        _zero("residents_reached"),
        sa.CheckConstraint(
            "households_reached >= 0 AND households_reached <= households_total "
            "AND residents_reached >= 0 AND residents_reached <= residents_total",
            name=op.f("ck_campaign_counters_reached_within_total"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_counters_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "kind", "key", name=op.f("pk_campaign_counters")),
    )

    op.create_table(
        "visits",
        sa.Column("id", sa.UUID(), nullable=False),
        _code("community_code"),
        sa.Column("grid_id", sa.UUID(), nullable=True),
        sa.Column(
            "target", _enum("visit_target", "household", "building", "enterprise"), nullable=False
        ),
        sa.Column("household_id", sa.UUID(), nullable=True),
        sa.Column("building_id", sa.UUID(), nullable=True),
        sa.Column("enterprise_name", sa.String(length=100), nullable=True),
        sa.Column("worker_subject", sa.String(length=64), nullable=False),
        sa.Column("worker_name_masked", sa.String(length=64), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("findings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("incident_id", sa.UUID(), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "(target = 'household') = (household_id IS NOT NULL)"
            " AND (target <> 'enterprise' OR enterprise_name IS NOT NULL)",
            name=op.f("ck_visits_target_named"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index("ix_visits_household", "visits", ["household_id", "visited_at"])
    op.create_index("ix_visits_grid", "visits", ["grid_id", "visited_at", "id"])
    op.create_index("ix_visits_community", "visits", ["community_code", "visited_at", "id"])

    op.create_table(
        "visit_photos",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("visit_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visits.id"],
            name=op.f("fk_visit_photos_visit_id_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_photos")),
    )
    op.create_index(op.f("ix_visit_photos_visit_id"), "visit_photos", ["visit_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_visit_photos_visit_id"), table_name="visit_photos")
    op.drop_table("visit_photos")
    for index in ("ix_visits_community", "ix_visits_grid", "ix_visits_household"):
        op.drop_index(index, table_name="visits")
    op.drop_table("visits")
    op.drop_table("campaign_counters")
    op.drop_index("ix_campaign_contacts_household", table_name="campaign_contacts")
    op.drop_table("campaign_contacts")
    op.drop_index("ix_campaign_households_slot", table_name="campaign_households")
    op.drop_index("ix_campaign_households_listing", table_name="campaign_households")
    op.drop_table("campaign_households")
    op.drop_index("ix_campaign_slots_building", table_name="campaign_slots")
    op.drop_table("campaign_slots")
    op.drop_index("ix_campaigns_division", table_name="campaigns")
    op.drop_table("campaigns")
    op.drop_column("place_buildings", "court_id")
    op.drop_column("roster_members", "birth_year")
    op.drop_column("roster_members", "tags")
