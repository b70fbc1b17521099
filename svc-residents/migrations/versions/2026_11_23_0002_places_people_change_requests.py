"""Places (grids, courts, buildings, units, dwellings), households on dwellings, soft deletion of
households and residents, change requests.

Existing households keep their address: their building/unit/room text becomes buildings, units and
dwellings of their community (and back again on downgrade). Grid ids were free text that nothing
filled; they become references to the new grids table, so any stray value is dropped.
Downgrade needs every dwelling to have held one household and every person one record (the old
schema's unique address and ID number); deleted rows that break that must be purged first.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "courts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
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
            ["community_code"], ["divisions.code"], name=op.f("fk_courts_community_code_divisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courts")),
        sa.UniqueConstraint("community_code", "name", name="uq_courts_community_name"),
    )
    op.create_table(
        "grids",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
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
        sa.CheckConstraint("number > 0", name=op.f("ck_grids_number_positive")),
        sa.ForeignKeyConstraint(
            ["community_code"], ["divisions.code"], name=op.f("fk_grids_community_code_divisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grids")),
        sa.UniqueConstraint("community_code", "number", name="uq_grids_community_number"),
    )
    op.create_table(
        "buildings",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("court_id", sa.UUID(), nullable=True),
        sa.Column("grid_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=32), nullable=False),
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
            name=op.f("fk_buildings_community_code_divisions"),
        ),
        sa.ForeignKeyConstraint(
            ["court_id"], ["courts.id"], name=op.f("fk_buildings_court_id_courts")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_buildings_grid_id_grids")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("community_code", "name", name="uq_buildings_community_name"),
    )
    op.create_index("ix_buildings_court_id", "buildings", ["court_id"], unique=False)
    op.create_index("ix_buildings_grid_id", "buildings", ["grid_id"], unique=False)
    op.create_table(
        "units",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("building_id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
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
            ["building_id"], ["buildings.id"], name=op.f("fk_units_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["community_code"], ["divisions.code"], name=op.f("fk_units_community_code_divisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("building_id", "name", name="uq_units_building_name"),
    )
    op.create_table(
        "dwellings",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("unit_id", sa.UUID(), nullable=False),
        sa.Column("building_id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
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
            ["building_id"], ["buildings.id"], name=op.f("fk_dwellings_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["divisions.code"],
            name=op.f("fk_dwellings_community_code_divisions"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_dwellings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dwellings")),
        sa.UniqueConstraint("unit_id", "name", name="uq_dwellings_unit_name"),
    )
    op.create_index("ix_dwellings_building_id", "dwellings", ["building_id"], unique=False)
    op.create_table(
        "change_requests",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column(
            "status",
            sa.String(length=32),
            nullable=False,
        ),
        sa.Column("applicant_subject", sa.String(length=255), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("phone_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("phone_masked", sa.String(length=11), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
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
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL AND decided_by IS NULL)",
            name=op.f("ck_change_requests_decision_recorded"),
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR reject_reason IS NOT NULL",
            name=op.f("ck_change_requests_rejected_has_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_change_requests_status")
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["divisions.code"],
            name=op.f("fk_change_requests_community_code_divisions"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_change_requests_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_requests")),
    )
    op.create_index(
        "ix_change_requests_community_created",
        "change_requests",
        ["community_code", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "uq_change_requests_pending_resident",
        "change_requests",
        ["resident_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.add_column("households", sa.Column("dwelling_id", sa.UUID(), nullable=True))
    _addresses_to_dwellings()
    op.alter_column("households", "dwelling_id", existing_type=sa.UUID(), nullable=False)
    op.add_column("households", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("households", sa.Column("deleted_by", sa.String(length=255), nullable=True))
    op.add_column("households", sa.Column("deletion_reason", sa.String(length=32), nullable=True))
    op.add_column("households", sa.Column("deletion_note", sa.Text(), nullable=True))
    op.alter_column(
        "households",
        "grid_id",
        existing_type=sa.VARCHAR(length=64),
        type_=sa.UUID(),
        existing_nullable=True,
        postgresql_using="NULL::uuid",
    )
    op.drop_constraint(op.f("uq_households_address"), "households", type_="unique")
    op.create_index(
        "ix_households_community_code_id", "households", ["community_code", "id"], unique=False
    )
    op.create_index("ix_households_grid_id", "households", ["grid_id"], unique=False)
    op.create_index(
        "uq_households_live_dwelling",
        "households",
        ["dwelling_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_foreign_key(
        op.f("fk_households_grid_id_grids"), "households", "grids", ["grid_id"], ["id"]
    )
    op.create_foreign_key(
        op.f("fk_households_dwelling_id_dwellings"),
        "households",
        "dwellings",
        ["dwelling_id"],
        ["id"],
    )
    op.drop_column("households", "unit")
    op.drop_column("households", "room")
    op.drop_column("households", "building")
    op.add_column("residents", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("residents", sa.Column("deleted_by", sa.String(length=255), nullable=True))
    op.add_column("residents", sa.Column("deletion_reason", sa.String(length=32), nullable=True))
    op.add_column("residents", sa.Column("deletion_note", sa.Text(), nullable=True))
    op.alter_column(
        "residents",
        "grid_id",
        existing_type=sa.VARCHAR(length=64),
        type_=sa.UUID(),
        existing_nullable=True,
        postgresql_using="NULL::uuid",
    )
    op.drop_index(op.f("ix_residents_community_code"), table_name="residents")
    op.drop_constraint(op.f("uq_residents_id_number_index"), "residents", type_="unique")
    op.create_index(
        "uq_residents_id_number_index",
        "residents",
        ["id_number_index"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_residents_account_subject", "residents", ["account_subject"], unique=False)
    op.create_index(
        "ix_residents_community_code_id", "residents", ["community_code", "id"], unique=False
    )
    op.create_index("ix_residents_grid_id", "residents", ["grid_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_residents_grid_id_grids"), "residents", "grids", ["grid_id"], ["id"]
    )
    for table in ("households", "residents"):
        op.create_check_constraint(
            op.f(f"ck_{table}_deletion_recorded"),
            table,
            "(deleted_at IS NULL) = (deletion_reason IS NULL AND deleted_by IS NULL)",
        )
        op.create_check_constraint(
            op.f(f"ck_{table}_deletion_reason"), table, f"deletion_reason IN ({_REASONS})"
        )
    # Tags were never written before this revision; anything else there would break the check.
    op.execute("UPDATE residents SET tags = '{}' WHERE NOT tags <@ ARRAY[" + _TAGS + "]::varchar[]")
    op.create_check_constraint(
        op.f("ck_residents_stored_tags"), "residents", f"tags <@ ARRAY[{_TAGS}]::varchar[]"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_residents_stored_tags"), "residents", type_="check")
    for table in ("households", "residents"):
        op.drop_constraint(op.f(f"ck_{table}_deletion_reason"), table, type_="check")
        op.drop_constraint(op.f(f"ck_{table}_deletion_recorded"), table, type_="check")
    op.drop_constraint(op.f("fk_residents_grid_id_grids"), "residents", type_="foreignkey")
    op.drop_index("ix_residents_grid_id", table_name="residents")
    op.drop_index("ix_residents_community_code_id", table_name="residents")
    op.drop_index("ix_residents_account_subject", table_name="residents")
    op.drop_index(
        "uq_residents_id_number_index",
        table_name="residents",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_unique_constraint(
        op.f("uq_residents_id_number_index"),
        "residents",
        ["id_number_index"],
        postgresql_nulls_not_distinct=False,
    )
    op.create_index(
        op.f("ix_residents_community_code"), "residents", ["community_code"], unique=False
    )
    op.alter_column(
        "residents",
        "grid_id",
        existing_type=sa.UUID(),
        type_=sa.VARCHAR(length=64),
        existing_nullable=True,
    )
    op.drop_column("residents", "deletion_note")
    op.drop_column("residents", "deletion_reason")
    op.drop_column("residents", "deleted_by")
    op.drop_column("residents", "deleted_at")
    op.add_column("households", sa.Column("building", sa.VARCHAR(length=32), nullable=True))
    op.add_column("households", sa.Column("unit", sa.VARCHAR(length=32), nullable=True))
    op.add_column("households", sa.Column("room", sa.VARCHAR(length=32), nullable=True))
    op.execute(
        """
        UPDATE households h SET building = b.name, unit = u.name, room = d.name
        FROM dwellings d JOIN units u ON u.id = d.unit_id JOIN buildings b ON b.id = u.building_id
        WHERE d.id = h.dwelling_id
        """
    )
    for column in ("building", "unit", "room"):
        op.alter_column("households", column, existing_type=sa.VARCHAR(length=32), nullable=False)
    op.drop_constraint(
        op.f("fk_households_dwelling_id_dwellings"), "households", type_="foreignkey"
    )
    op.drop_constraint(op.f("fk_households_grid_id_grids"), "households", type_="foreignkey")
    op.drop_index(
        "uq_households_live_dwelling",
        table_name="households",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_households_grid_id", table_name="households")
    op.drop_index("ix_households_community_code_id", table_name="households")
    op.create_unique_constraint(
        op.f("uq_households_address"),
        "households",
        ["community_code", "building", "unit", "room"],
        postgresql_nulls_not_distinct=False,
    )
    op.alter_column(
        "households",
        "grid_id",
        existing_type=sa.UUID(),
        type_=sa.VARCHAR(length=64),
        existing_nullable=True,
    )
    op.drop_column("households", "deletion_note")
    op.drop_column("households", "deletion_reason")
    op.drop_column("households", "deleted_by")
    op.drop_column("households", "deleted_at")
    op.drop_column("households", "dwelling_id")
    op.drop_index(
        "uq_change_requests_pending_resident",
        table_name="change_requests",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index("ix_change_requests_community_created", table_name="change_requests")
    op.drop_table("change_requests")
    op.drop_index("ix_dwellings_building_id", table_name="dwellings")
    op.drop_table("dwellings")
    op.drop_table("units")
    op.drop_index("ix_buildings_grid_id", table_name="buildings")
    op.drop_index("ix_buildings_court_id", table_name="buildings")
    op.drop_table("buildings")
    op.drop_table("grids")
    op.drop_table("courts")


_REASONS = "'deceased', 'duplicate', 'entered_in_error', 'other'"
_TAGS = (
    "'living_alone', 'left_behind', 'disabled', 'mobility_impaired', 'new_resident', "
    "'tenant', 'owner', 'party_member', 'volunteer'"
)


def _addresses_to_dwellings() -> None:
    """Each distinct building, unit and room text of a community becomes a place of its own."""
    op.execute(
        """
        INSERT INTO buildings (id, community_code, name)
        SELECT gen_random_uuid(), community_code, building
        FROM households GROUP BY community_code, building
        """
    )
    op.execute(
        """
        INSERT INTO units (id, building_id, community_code, name)
        SELECT gen_random_uuid(), b.id, b.community_code, h.unit
        FROM households h
        JOIN buildings b ON b.community_code = h.community_code AND b.name = h.building
        GROUP BY b.id, b.community_code, h.unit
        """
    )
    op.execute(
        """
        INSERT INTO dwellings (id, unit_id, building_id, community_code, name)
        SELECT gen_random_uuid(), u.id, u.building_id, u.community_code, h.room
        FROM households h
        JOIN buildings b ON b.community_code = h.community_code AND b.name = h.building
        JOIN units u ON u.building_id = b.id AND u.name = h.unit
        GROUP BY u.id, u.building_id, u.community_code, h.room
        """
    )
    op.execute(
        """
        UPDATE households h SET dwelling_id = d.id
        FROM dwellings d
        JOIN units u ON u.id = d.unit_id
        JOIN buildings b ON b.id = u.building_id
        WHERE b.community_code = h.community_code AND b.name = h.building
          AND u.name = h.unit AND d.name = h.room
        """
    )
