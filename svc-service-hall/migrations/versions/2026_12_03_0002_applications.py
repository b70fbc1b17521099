"""The one-stop hall: residents read model, service points, catalogue (versioned items,
bundles), filings, applications, their steps and material files, home visits, durable timers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 14:03:38.034687+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from linli.common.migrations import create_timers_table, drop_timers_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bundles",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owning_division", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("item_ids", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundles")),
        sa.UniqueConstraint("code", name=op.f("uq_bundles_code")),
    )
    op.create_index("ix_bundles_owning_division", "bundles", ["owning_division"], unique=False)
    op.create_table(
        "catalogue_items",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column(
            "owning_level",
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
        sa.Column("owning_division", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_items")),
        sa.UniqueConstraint("code", name=op.f("uq_catalogue_items_code")),
    )
    op.create_table(
        "home_visits",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column("resident_name_masked", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.UUID(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "assigned",
                "scheduled",
                "done",
                "not_at_home",
                "cancelled",
                name="home_visit_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("requested_by_role", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("worker_subject", sa.String(length=128), nullable=True),
        sa.Column("worker_name_masked", sa.String(length=64), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visits", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "materials_collected",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("application_id", sa.UUID(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_visits")),
    )
    op.create_index(
        "ix_home_visits_listing",
        "home_visits",
        ["community_code", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_home_visits_worker", "home_visits", ["worker_subject", "status"], unique=False
    )
    op.create_table(
        "household_copies",
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("address_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_household_copies")),
    )
    op.create_table(
        "resident_copies",
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=True),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("name_masked", sa.String(length=64), server_default="*", nullable=False),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("place_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tags_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("name_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_resident_copies")),
    )
    op.create_index(
        op.f("ix_resident_copies_community_code"),
        "resident_copies",
        ["community_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_resident_copies_household_id"), "resident_copies", ["household_id"], unique=False
    )
    op.create_table(
        "service_points",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("division_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("communities", postgresql.ARRAY(sa.String(length=12)), nullable=False),
        sa.Column("opening_hours", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("counters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_points")),
    )
    op.create_index(
        "ix_service_points_communities",
        "service_points",
        ["communities"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "catalogue_item_versions",
        sa.Column("item_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("divisions", postgresql.ARRAY(sa.String(length=12)), nullable=False),
        sa.Column("materials", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("channels", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("promised_working_days", sa.Integer(), nullable=False),
        sa.Column("fee_fen", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "fee_fen >= 0", name=op.f("ck_catalogue_item_versions_fee_not_negative")
        ),
        sa.CheckConstraint(
            "promised_working_days >= 1", name=op.f("ck_catalogue_item_versions_promise_positive")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["catalogue_items.id"],
            name=op.f("fk_catalogue_item_versions_item_id_catalogue_items"),
        ),
        sa.PrimaryKeyConstraint("item_id", "version", name=op.f("pk_catalogue_item_versions")),
    )
    op.create_table(
        "filings",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column("applicant_name_masked", sa.String(length=64), nullable=False),
        sa.Column("filed_by_subject", sa.String(length=128), nullable=False),
        sa.Column("filed_by_role", sa.String(length=32), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "online",
                "counter",
                "appointment",
                "home_visit",
                "grid_worker",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("bundle_id", sa.UUID(), nullable=True),
        sa.Column("service_point_id", sa.UUID(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "completed",
                "closed",
                name="filing_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["bundle_id"], ["bundles.id"], name=op.f("fk_filings_bundle_id_bundles")
        ),
        sa.ForeignKeyConstraint(
            ["service_point_id"],
            ["service_points.id"],
            name=op.f("fk_filings_service_point_id_service_points"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filings")),
    )
    op.create_index("ix_filings_resident", "filings", ["resident_id", "created_at"], unique=False)
    op.create_table(
        "applications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("filing_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("item_id", sa.UUID(), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("owning_division", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "accepted",
                "in_progress",
                "completed",
                "rejected",
                "returned",
                name="application_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "returned_from",
            sa.Enum(
                "submitted",
                "accepted",
                "in_progress",
                "completed",
                "rejected",
                "returned",
                name="application_returned_from",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "returned_materials",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("promised_working_days", sa.Integer(), nullable=False),
        sa.Column("paused_days", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("paused_since", sa.Date(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["filing_id"], ["filings.id"], name=op.f("fk_applications_filing_id_filings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index(op.f("ix_applications_filing_id"), "applications", ["filing_id"], unique=False)
    op.create_index(
        "ix_applications_listing",
        "applications",
        ["community_code", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_applications_owner", "applications", ["owning_division", "status"], unique=False
    )
    op.create_table(
        "material_files",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("filing_id", sa.UUID(), nullable=False),
        sa.Column("material_code", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_role", sa.String(length=32), nullable=False),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["filing_id"], ["filings.id"], name=op.f("fk_material_files_filing_id_filings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_files")),
        sa.UniqueConstraint("key", name=op.f("uq_material_files_key")),
    )
    op.create_index(
        op.f("ix_material_files_filing_id"), "material_files", ["filing_id"], unique=False
    )
    op.create_table(
        "application_steps",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_name_masked", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_steps_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_steps")),
    )
    op.create_index(
        op.f("ix_application_steps_application_id"),
        "application_steps",
        ["application_id"],
        unique=False,
    )
    create_timers_table()


def downgrade() -> None:
    drop_timers_table()
    op.drop_index(op.f("ix_application_steps_application_id"), table_name="application_steps")
    op.drop_table("application_steps")
    op.drop_index(op.f("ix_material_files_filing_id"), table_name="material_files")
    op.drop_table("material_files")
    op.drop_index("ix_applications_owner", table_name="applications")
    op.drop_index("ix_applications_listing", table_name="applications")
    op.drop_index(op.f("ix_applications_filing_id"), table_name="applications")
    op.drop_table("applications")
    op.drop_index("ix_filings_resident", table_name="filings")
    op.drop_table("filings")
    op.drop_table("catalogue_item_versions")
    op.drop_index(
        "ix_service_points_communities", table_name="service_points", postgresql_using="gin"
    )
    op.drop_table("service_points")
    op.drop_index(op.f("ix_resident_copies_household_id"), table_name="resident_copies")
    op.drop_index(op.f("ix_resident_copies_community_code"), table_name="resident_copies")
    op.drop_table("resident_copies")
    op.drop_table("household_copies")
    op.drop_index("ix_home_visits_worker", table_name="home_visits")
    op.drop_index("ix_home_visits_listing", table_name="home_visits")
    op.drop_table("home_visits")
    op.drop_table("catalogue_items")
    op.drop_index("ix_bundles_owning_division", table_name="bundles")
    op.drop_table("bundles")
