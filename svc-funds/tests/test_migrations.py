"""The migrations build exactly the models' schema, and undo and redo cleanly."""

from __future__ import annotations

from linli.funds.config import NAME
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
            "funds",
            "accounts",
            "ledger_entries",
            "ledger_lines",
            "incomes",
            "committee_members",
            "payment_requests",
            "payment_approvals",
            "donations",
            "audit_records",
            "projects",
            "project_approvals",
            "project_updates",
            "project_photos",
            "receipt_counters",
        },
    )
