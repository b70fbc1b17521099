"""Open311: client applications with hashed api_keys, the requests they posted; incidents from Open311.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SOURCES = ("resident", "grid_worker", "department", "sensor")


def _sources(values: Sequence[str]) -> None:
    # 0003 created it unnamed by convention: the Enum's own name is the constraint's.
    op.drop_constraint("incident_source", "incidents", type_="check")
    listed = ", ".join(f"'{value}'" for value in values)
    op.create_check_constraint(op.f("incident_source"), "incidents", f"source IN ({listed})")


def upgrade() -> None:
    op.create_table(
        "open311_clients",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("division_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_clients")),
    )
    op.create_index("ux_open311_clients_key_hash", "open311_clients", ["key_hash"], unique=True)
    op.create_table(
        "open311_requests",
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("attributes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("media_url", sa.String(length=2000), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["open311_clients.id"],
            name=op.f("fk_open311_requests_client_id_open311_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_open311_requests_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_open311_requests")),
    )
    op.create_index("ux_open311_requests_token", "open311_requests", ["token"], unique=True)
    op.create_index("ix_open311_requests_created", "open311_requests", ["created_at"])
    _sources((*_SOURCES, "open311"))


def downgrade() -> None:
    op.execute("DELETE FROM incidents WHERE source = 'open311'")
    _sources(_SOURCES)
    op.drop_index("ix_open311_requests_created", table_name="open311_requests")
    op.drop_index("ux_open311_requests_token", table_name="open311_requests")
    op.drop_table("open311_requests")
    op.drop_index("ux_open311_clients_key_hash", table_name="open311_clients")
    op.drop_table("open311_clients")
