"""The gateway's migrations build exactly its models' schema, and undo and redo cleanly."""

from __future__ import annotations

from linli.testing import check_migrations


async def test_upgrade_matches_the_models_and_downgrade_removes_everything(
    pg_server_url: str,
) -> None:
    await check_migrations(
        "gateway", pg_server_url, tables={"staff_accounts", "resident_accounts", "refresh_tokens"}
    )
