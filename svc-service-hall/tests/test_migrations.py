"""The migrations build exactly the models' schema, and undo and redo cleanly."""

from __future__ import annotations

from linli.service_hall.config import NAME
from linli.testing import check_migrations


async def test_upgrade_matches_the_models_and_downgrade_removes_everything(
    pg_server_url: str,
) -> None:
    await check_migrations(
        NAME,
        pg_server_url,
        tables={
            "outbox_messages",
            "processed_events",
            "resident_copies",
            "household_copies",
            "service_points",
            "catalogue_items",
            "catalogue_item_versions",
            "bundles",
            "filings",
            "applications",
            "application_steps",
            "material_files",
            "home_visits",
            "timers",
            "activities",
            "activity_signups",
            "clubs",
            "club_members",
            "course_terms",
            "courses",
            "course_sessions",
            "course_term_members",
            "course_choices",
            "course_attendance",
            "volunteer_organisations",
            "volunteer_organisation_members",
            "volunteer_activities",
            "volunteer_signups",
            "volunteer_service_hours",
            "appointment_calendars",
            "appointment_slots",
            "appointments",
            "canteen_sites",
            "canteen_subsidy_rules",
            "canteen_menus",
            "canteen_dishes",
            "canteen_orders",
            "canteen_order_lines",
            "canteen_accounts",
            "canteen_account_entries",
            "canteen_subsidy_days",
            "canteen_days",
        },
    )
