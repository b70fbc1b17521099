"""Daily life: community activities with their sign-ups and waiting lists, clubs and members;
the elder college's terms, courses, sessions, choices (with each member's count) and attendance;
volunteer organisations, their members, volunteer activities, sign-ups and service hours.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("place", sa.String(length=128), server_default="", nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("confirmed_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("waiting_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("organiser_subject", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_activities_activity_capacity_positive")),
        sa.CheckConstraint(
            "confirmed_count >= 0 AND confirmed_count <= capacity",
            name=op.f("ck_activities_activity_confirmed_within_capacity"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_activities_activity_ends_after_start")
        ),
        sa.CheckConstraint(
            "waiting_count >= 0", name=op.f("ck_activities_activity_waiting_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index(
        "ix_activities_listing", "activities", ["community_code", "starts_at", "id"], unique=False
    )
    op.create_table(
        "clubs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("member_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "member_count >= 0", name=op.f("ck_clubs_club_member_count_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clubs")),
    )
    op.create_index(op.f("ix_clubs_community_code"), "clubs", ["community_code"], unique=False)
    op.create_table(
        "course_terms",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("division_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("max_courses_per_member", sa.SmallInteger(), nullable=False),
        sa.Column("selection_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("selection_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "selecting",
                "allocated",
                name="course_term_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "max_courses_per_member BETWEEN 1 AND 50",
            name=op.f("ck_course_terms_course_term_max_courses_range"),
        ),
        sa.CheckConstraint(
            "selection_closes_at > selection_opens_at",
            name=op.f("ck_course_terms_course_term_window_ordered"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_terms")),
    )
    op.create_index(
        op.f("ix_course_terms_division_code"), "course_terms", ["division_code"], unique=False
    )
    op.create_table(
        "volunteer_organisations",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "social_organisation",
                "volunteer_team",
                name="volunteer_organisation_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_organisations")),
    )
    op.create_index(
        op.f("ix_volunteer_organisations_community_code"),
        "volunteer_organisations",
        ["community_code"],
        unique=False,
    )
    op.create_table(
        "activity_signups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("activity_id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "confirmed",
                "waiting",
                "cancelled",
                name="activity_signup_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "signed_up_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_signups_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_signups")),
    )
    op.create_index(
        "ix_activity_signups_queue",
        "activity_signups",
        ["activity_id", "status", "id"],
        unique=False,
    )
    op.create_index(
        "uq_activity_signups_live",
        "activity_signups",
        ["activity_id", "resident_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    op.create_table(
        "club_members",
        sa.Column("club_id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column(
            "joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["club_id"],
            ["clubs.id"],
            name=op.f("fk_club_members_club_id_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("club_id", "resident_id", name=op.f("pk_club_members")),
    )
    op.create_table(
        "course_term_members",
        sa.Column("term_id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("choice_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "choice_count >= 0",
            name=op.f("ck_course_term_members_course_term_member_count_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["course_terms.id"],
            name=op.f("fk_course_term_members_term_id_course_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term_id", "resident_id", name=op.f("pk_course_term_members")),
    )
    op.create_table(
        "courses",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("term_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("teacher", sa.String(length=64), server_default="", nullable=False),
        sa.Column("place", sa.String(length=128), server_default="", nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("min_age", sa.SmallInteger(), nullable=True),
        sa.Column("chosen_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("allocated_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "allocated_count >= 0 AND allocated_count <= capacity",
            name=op.f("ck_courses_course_allocated_within_capacity"),
        ),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_courses_course_capacity_positive")),
        sa.CheckConstraint("chosen_count >= 0", name=op.f("ck_courses_course_chosen_non_negative")),
        sa.CheckConstraint(
            "min_age IS NULL OR min_age BETWEEN 1 AND 120", name=op.f("ck_courses_course_min_age")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["course_terms.id"],
            name=op.f("fk_courses_term_id_course_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
    )
    op.create_index("ix_courses_term", "courses", ["term_id", "title", "id"], unique=False)
    op.create_table(
        "volunteer_activities",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("organisation_id", sa.UUID(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("place", sa.String(length=128), server_default="", nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("signed_up_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "capacity > 0",
            name=op.f("ck_volunteer_activities_volunteer_activity_capacity_positive"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at",
            name=op.f("ck_volunteer_activities_volunteer_activity_ends_after_start"),
        ),
        sa.CheckConstraint(
            "signed_up_count >= 0 AND signed_up_count <= capacity",
            name=op.f("ck_volunteer_activities_volunteer_activity_within_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["volunteer_organisations.id"],
            name=op.f("fk_volunteer_activities_organisation_id_volunteer_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_activities")),
    )
    op.create_index(
        "ix_volunteer_activities_listing",
        "volunteer_activities",
        ["community_code", "starts_at", "id"],
        unique=False,
    )
    op.create_table(
        "volunteer_organisation_members",
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "member",
                "leader",
                name="volunteer_member_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["volunteer_organisations.id"],
            name=op.f("fk_volunteer_organisation_members_organisation_id_volunteer_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "resident_id", name=op.f("pk_volunteer_organisation_members")
        ),
    )
    op.create_table(
        "course_choices",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("term_id", sa.UUID(), nullable=False),
        sa.Column("course_id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "chosen",
                "allocated",
                "not_allocated",
                name="course_choice_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "chosen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "rank BETWEEN 1 AND 50", name=op.f("ck_course_choices_course_choice_rank_range")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_choices_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["course_terms.id"],
            name=op.f("fk_course_choices_term_id_course_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_choices")),
        sa.UniqueConstraint("course_id", "resident_id", name="course_choice_once"),
    )
    op.create_index(
        "ix_course_choices_member", "course_choices", ["term_id", "resident_id"], unique=False
    )
    op.create_table(
        "course_sessions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("course_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_sessions_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_sessions")),
        sa.UniqueConstraint("course_id", "number", name="course_session_number"),
    )
    op.create_table(
        "volunteer_service_hours",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column("activity_id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "check_out",
                "organiser",
                name="volunteer_hours_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_role", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "minutes > 0 AND minutes <= 1440",
            name=op.f("ck_volunteer_service_hours_volunteer_hours_minutes_range"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["volunteer_activities.id"],
            name=op.f("fk_volunteer_service_hours_activity_id_volunteer_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_service_hours")),
        sa.UniqueConstraint("activity_id", "resident_id", name="volunteer_hours_once"),
    )
    op.create_index(
        "ix_volunteer_hours_history",
        "volunteer_service_hours",
        ["resident_id", "recorded_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_volunteer_hours_ranking",
        "volunteer_service_hours",
        ["community_code", "resident_id"],
        unique=False,
    )
    op.create_table(
        "volunteer_signups",
        sa.Column("activity_id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column(
            "signed_up_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "checked_out_at IS NULL OR (checked_in_at IS NOT NULL AND checked_out_at > checked_in_at)",
            name=op.f("ck_volunteer_signups_volunteer_signup_out_after_in"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["volunteer_activities.id"],
            name=op.f("fk_volunteer_signups_activity_id_volunteer_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", "resident_id", name=op.f("pk_volunteer_signups")),
    )
    op.create_table(
        "course_attendance",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("resident_id", sa.UUID(), nullable=False),
        sa.Column("recorded_by_role", sa.String(length=32), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["course_sessions.id"],
            name=op.f("fk_course_attendance_session_id_course_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "resident_id", name=op.f("pk_course_attendance")),
    )


def downgrade() -> None:
    op.drop_table("course_attendance")
    op.drop_table("volunteer_signups")
    op.drop_index("ix_volunteer_hours_ranking", table_name="volunteer_service_hours")
    op.drop_index("ix_volunteer_hours_history", table_name="volunteer_service_hours")
    op.drop_table("volunteer_service_hours")
    op.drop_table("course_sessions")
    op.drop_index("ix_course_choices_member", table_name="course_choices")
    op.drop_table("course_choices")
    op.drop_table("volunteer_organisation_members")
    op.drop_index("ix_volunteer_activities_listing", table_name="volunteer_activities")
    op.drop_table("volunteer_activities")
    op.drop_index("ix_courses_term", table_name="courses")
    op.drop_table("courses")
    op.drop_table("course_term_members")
    op.drop_table("club_members")
    op.drop_index(
        "uq_activity_signups_live",
        table_name="activity_signups",
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    op.drop_index("ix_activity_signups_queue", table_name="activity_signups")
    op.drop_table("activity_signups")
    op.drop_index(
        op.f("ix_volunteer_organisations_community_code"), table_name="volunteer_organisations"
    )
    op.drop_table("volunteer_organisations")
    op.drop_index(op.f("ix_course_terms_division_code"), table_name="course_terms")
    op.drop_table("course_terms")
    op.drop_index(op.f("ix_clubs_community_code"), table_name="clubs")
    op.drop_table("clubs")
    op.drop_index("ix_activities_listing", table_name="activities")
    op.drop_table("activities")
