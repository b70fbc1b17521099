"""The residents' voice: reports and the copy of grid incidents, photos, proposals (supports,
comments, record), announcements and their read receipts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("target_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pin", sa.SmallInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publisher_subject", sa.String(length=64), nullable=False),
        sa.Column("publisher_role", sa.String(length=32), nullable=False),
        sa.Column("publisher_name_masked", sa.String(length=64), nullable=True),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("pin IN (0, 1)", name=op.f("ck_announcements_announcement_pin")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index(
        "ix_announcements_target",
        "announcements",
        ["target_code", "pin", "published_at", "id"],
        unique=False,
    )
    op.create_table(
        "incident_copies",
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.UUID(), nullable=True),
        sa.Column("merged_into_id", sa.UUID(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_copies")),
        sa.UniqueConstraint("report_id", name=op.f("uq_incident_copies_report_id")),
    )
    op.create_table(
        "incident_copy_steps",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_copy_steps")),
        sa.UniqueConstraint("event_id", name=op.f("uq_incident_copy_steps_event_id")),
    )
    op.create_index(
        "ix_incident_copy_steps_incident",
        "incident_copy_steps",
        ["incident_id", "event_time"],
        unique=False,
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("division_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_subject", sa.String(length=64), nullable=False),
        sa.Column("author_role", sa.String(length=32), nullable=False),
        sa.Column("author_name_masked", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "discussing",
                "under_review",
                "adopted",
                "in_progress",
                "done",
                "not_adopted",
                name="proposal_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("support_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("support_threshold", sa.Integer(), nullable=False),
        sa.Column("on_agenda_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("hidden_by_role", sa.String(length=32), nullable=True),
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
            "support_count >= 0", name=op.f("ck_proposals_proposal_support_count_non_negative")
        ),
        sa.CheckConstraint(
            "support_threshold > 0", name=op.f("ck_proposals_proposal_support_threshold_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    op.create_index(
        "ix_proposals_listing", "proposals", ["division_code", "created_at", "id"], unique=False
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("building_id", sa.UUID(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("reporter_subject", sa.String(length=64), nullable=False),
        sa.Column("reporter_name_masked", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "filed",
                "handling",
                "resolved",
                "closed",
                name="report_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("incident_id", sa.UUID(), nullable=True),
        sa.Column("awaiting_rating", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("fixed", sa.Boolean(), nullable=True),
        sa.Column("rating_comment", sa.String(length=500), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_reports_report_rating_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_reports_incident_id")),
    )
    op.create_index(
        "ix_reports_listing", "reports", ["community_code", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_reports_reporter", "reports", ["reporter_subject", "created_at", "id"], unique=False
    )
    op.create_table(
        "voice_photos",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("owner_kind", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "owner_kind IN ('report', 'proposal')",
            name=op.f("ck_voice_photos_voice_photo_owner_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_photos")),
    )
    op.create_index(
        "ix_voice_photos_owner",
        "voice_photos",
        ["owner_kind", "owner_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "announcement_reads",
        sa.Column("announcement_id", sa.UUID(), nullable=False),
        sa.Column("reader_subject", sa.String(length=64), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column(
            "read_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_reads_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "announcement_id", "reader_subject", name=op.f("pk_announcement_reads")
        ),
    )
    op.create_index(
        "ix_announcement_reads_community",
        "announcement_reads",
        ["announcement_id", "community_code"],
        unique=False,
    )
    op.create_table(
        "proposal_comments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("proposal_id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("author_subject", sa.String(length=64), nullable=False),
        sa.Column("author_role", sa.String(length=32), nullable=False),
        sa.Column("author_name_masked", sa.String(length=64), nullable=True),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("hidden_by_role", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["proposal_comments.id"],
            name=op.f("fk_proposal_comments_parent_id_proposal_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_comments_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_comments")),
    )
    op.create_index(
        "ix_proposal_comments_proposal",
        "proposal_comments",
        ["proposal_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "proposal_steps",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("proposal_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_name_masked", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_steps_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_steps")),
    )
    op.create_index(
        "ix_proposal_steps_proposal", "proposal_steps", ["proposal_id", "id"], unique=False
    )
    op.create_table(
        "proposal_supports",
        sa.Column("proposal_id", sa.UUID(), nullable=False),
        sa.Column("supporter_subject", sa.String(length=64), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_supports_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "proposal_id", "supporter_subject", name=op.f("pk_proposal_supports")
        ),
    )


def downgrade() -> None:
    op.drop_table("proposal_supports")
    op.drop_index("ix_proposal_steps_proposal", table_name="proposal_steps")
    op.drop_table("proposal_steps")
    op.drop_index("ix_proposal_comments_proposal", table_name="proposal_comments")
    op.drop_table("proposal_comments")
    op.drop_index("ix_announcement_reads_community", table_name="announcement_reads")
    op.drop_table("announcement_reads")
    op.drop_index("ix_voice_photos_owner", table_name="voice_photos")
    op.drop_table("voice_photos")
    op.drop_index("ix_reports_reporter", table_name="reports")
    op.drop_index("ix_reports_listing", table_name="reports")
    op.drop_table("reports")
    op.drop_index("ix_proposals_listing", table_name="proposals")
    op.drop_table("proposals")
    op.drop_index("ix_incident_copy_steps_incident", table_name="incident_copy_steps")
    op.drop_table("incident_copy_steps")
    op.drop_table("incident_copies")
    op.drop_index("ix_announcements_target", table_name="announcements")
    op.drop_table("announcements")
