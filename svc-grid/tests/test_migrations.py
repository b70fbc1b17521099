"""The migrations build exactly the models' schema, and undo and redo cleanly."""

from __future__ import annotations

from linli.grid.config import NAME
from linli.testing import check_migrations


async def test_upgrade_matches_the_models_and_downgrade_removes_everything(
    pg_server_url: str,
) -> None:
    await check_migrations(
        NAME,
        pg_server_url,
        tables={
            "household_roster",
            "roster_members",
            "incident_categories",
            "incidents",
            "incident_steps",
            "place_grids",
            "place_buildings",
            "timers",
            "grid_workers",
            "duty_shifts",
            "devices",
            "open311_clients",
            "open311_requests",
            "incident_photos",
            "directives",
            "directive_targets",
            "directive_files",
            "directive_revisions",
            "campaigns",
            "campaign_slots",
            "campaign_households",
            "campaign_contacts",
            "campaign_counters",
            "visits",
            "visit_photos",
        },
    )
