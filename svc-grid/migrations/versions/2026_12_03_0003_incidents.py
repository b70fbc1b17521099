"""Incidents: categories, incidents, their timeline, the places read model, durable timers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from linli.common.migrations import create_timers_table, drop_timers_table

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_categories",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("dispatch_sla_minutes", sa.Integer(), nullable=False),
        sa.Column("resolve_sla_hours", sa.Integer(), nullable=False),
        sa.Column(
            "owner_level",
            sa.Enum(
                "city",
                "district",
                "street",
                "community",
                name="level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "dispatch_sla_minutes > 0", name=op.f("ck_incident_categories_dispatch_sla_positive")
        ),
        sa.CheckConstraint(
            "resolve_sla_hours > 0", name=op.f("ck_incident_categories_resolve_sla_positive")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_incident_categories")),
    )
    op.create_table(
        "place_buildings",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("grid_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_buildings")),
    )
    op.create_index(
        "ix_place_buildings_community", "place_buildings", ["community_code"], unique=False
    )
    op.create_table(
        "place_grids",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_grids")),
    )
    op.create_index("ix_place_grids_community", "place_grids", ["community_code"], unique=False)
    op.create_table(
        "incidents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("grid_id", sa.UUID(), nullable=True),
        sa.Column("building_id", sa.UUID(), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("category_code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "resident",
                "grid_worker",
                "department",
                "sensor",
                name="incident_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "reported",
                "dispatched",
                "accepted",
                "in_progress",
                "resolved",
                "verified",
                "closed",
                "returned",
                "escalated",
                "merged",
                name="incident_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "city",
                "district",
                "street",
                "community",
                name="incident_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("level_entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalations", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("dispatch_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reporter_subject", sa.String(length=64), nullable=False),
        sa.Column("reporter_role", sa.String(length=32), nullable=False),
        sa.Column("reporter_name_masked", sa.String(length=64), nullable=True),
        sa.Column("assignee_subject", sa.String(length=64), nullable=True),
        sa.Column("assignee_name_masked", sa.String(length=64), nullable=True),
        sa.Column("merged_into_id", sa.UUID(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_comment", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_incidents_rating_range")),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["incident_categories.code"],
            name=op.f("fk_incidents_category_code_incident_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["incidents.id"], name=op.f("fk_incidents_merged_into_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(
        "ix_incidents_category_recent", "incidents", ["category_code", "created_at"], unique=False
    )
    op.create_index("ix_incidents_grid", "incidents", ["grid_id"], unique=False)
    op.create_index(
        "ix_incidents_listing", "incidents", ["community_code", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_incidents_reporter", "incidents", ["reporter_subject", "created_at"], unique=False
    )
    op.create_table(
        "incident_steps",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("actor_subject", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_name_masked", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_steps_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_steps")),
    )
    op.create_index(
        "ix_incident_steps_incident", "incident_steps", ["incident_id", "at"], unique=False
    )
    create_timers_table()


def downgrade() -> None:
    drop_timers_table()
    op.drop_index("ix_incident_steps_incident", table_name="incident_steps")
    op.drop_table("incident_steps")
    op.drop_index("ix_incidents_reporter", table_name="incidents")
    op.drop_index("ix_incidents_listing", table_name="incidents")
    op.drop_index("ix_incidents_grid", table_name="incidents")
    op.drop_index("ix_incidents_category_recent", table_name="incidents")
    op.drop_table("incidents")
    op.drop_index("ix_place_grids_community", table_name="place_grids")
    op.drop_table("place_grids")
    op.drop_index("ix_place_buildings_community", table_name="place_buildings")
    op.drop_table("place_buildings")
    op.drop_table("incident_categories")
