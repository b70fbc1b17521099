"""Initial: the kernel's tables, the division tree, registrations, households and residents.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from linli.common.migrations import create_kernel_tables, drop_kernel_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kernel_tables()
    op.create_table(
        "divisions",
        sa.Column("code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("parent_code", sa.String(length=12, collation="C"), nullable=True),
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
        sa.CheckConstraint(
            "code ~ '^[0-9]+$' AND length(code) IN (4, 6, 9, 12)",
            name=op.f("ck_divisions_code_format"),
        ),
        sa.CheckConstraint(
            "parent_code IS NULL OR (code LIKE parent_code || '%' AND code <> parent_code)",
            name=op.f("ck_divisions_parent_is_prefix"),
        ),
        sa.CheckConstraint(
            "level IN ('city', 'district', 'street', 'community')",
            name=op.f("ck_divisions_level"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["divisions.code"], name=op.f("fk_divisions_parent_code_divisions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_divisions")),
    )
    op.create_index("ix_divisions_parent_code", "divisions", ["parent_code"], unique=False)
    op.create_table(
        "households",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("building", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("room", sa.String(length=32), nullable=False),
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
            ["community_code"],
            ["divisions.code"],
            name=op.f("fk_households_community_code_divisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint(
            "community_code", "building", "unit", "room", name="uq_households_address"
        ),
    )
    op.create_table(
        "residents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("sex", sa.String(length=32), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("id_number_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("id_number_index", sa.String(length=64), nullable=False),
        sa.Column("id_number_masked", sa.String(length=18), nullable=False),
        sa.Column("phone_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("phone_masked", sa.String(length=11), nullable=True),
        sa.Column("relation_to_head", sa.String(length=32), nullable=False),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_subject", sa.String(length=255), nullable=True),
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
        sa.CheckConstraint("sex IN ('male', 'female')", name=op.f("ck_residents_sex")),
        sa.CheckConstraint(
            "relation_to_head IN ('head', 'spouse', 'child', 'child_in_law', 'parent', 'parent_in_law', 'grandparent', 'grandchild', 'sibling', 'tenant', 'other')",
            name=op.f("ck_residents_relation_to_head"),
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["divisions.code"],
            name=op.f("fk_residents_community_code_divisions"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_residents_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("id_number_index", name="uq_residents_id_number_index"),
    )
    op.create_index("ix_residents_community_code", "residents", ["community_code"], unique=False)
    op.create_index("ix_residents_household_id", "residents", ["household_id"], unique=False)
    op.create_index("ix_residents_phone_index", "residents", ["phone_index"], unique=False)
    op.create_index(
        "ix_residents_tags", "residents", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "registrations",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("applicant_subject", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("sex", sa.String(length=32), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("id_number_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("id_number_index", sa.String(length=64), nullable=False),
        sa.Column("id_number_masked", sa.String(length=18), nullable=False),
        sa.Column("phone_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("phone_masked", sa.String(length=11), nullable=False),
        sa.Column("building", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("room", sa.String(length=32), nullable=False),
        sa.Column("relation_to_head", sa.String(length=32), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
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
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("household_id", sa.UUID(), nullable=True),
        sa.Column("resident_id", sa.UUID(), nullable=True),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL AND decided_by IS NULL)",
            name=op.f("ck_registrations_decision_recorded"),
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR (resident_id IS NOT NULL AND household_id IS NOT NULL)",
            name=op.f("ck_registrations_approved_has_resident"),
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR reject_reason IS NOT NULL",
            name=op.f("ck_registrations_rejected_has_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_registrations_status")
        ),
        sa.CheckConstraint("sex IN ('male', 'female')", name=op.f("ck_registrations_sex")),
        sa.CheckConstraint(
            "relation_to_head IN ('head', 'spouse', 'child', 'child_in_law', 'parent', 'parent_in_law', 'grandparent', 'grandchild', 'sibling', 'tenant', 'other')",
            name=op.f("ck_registrations_relation_to_head"),
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["divisions.code"],
            name=op.f("fk_registrations_community_code_divisions"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_registrations_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_registrations_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    op.create_index(
        "ix_registrations_applicant_subject", "registrations", ["applicant_subject"], unique=False
    )
    op.create_index(
        "ix_registrations_community_created",
        "registrations",
        ["community_code", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "uq_registrations_pending_id_number",
        "registrations",
        ["community_code", "id_number_index"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_registrations_pending_id_number",
        table_name="registrations",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index("ix_registrations_community_created", table_name="registrations")
    op.drop_index("ix_registrations_applicant_subject", table_name="registrations")
    op.drop_table("registrations")
    op.drop_index("ix_residents_tags", table_name="residents", postgresql_using="gin")
    op.drop_index("ix_residents_phone_index", table_name="residents")
    op.drop_index("ix_residents_household_id", table_name="residents")
    op.drop_index("ix_residents_community_code", table_name="residents")
    op.drop_table("residents")
    op.drop_table("households")
    op.drop_index("ix_divisions_parent_code", table_name="divisions")
    op.drop_table("divisions")
    drop_kernel_tables()
