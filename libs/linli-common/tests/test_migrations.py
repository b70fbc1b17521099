"""The kernel's migration helpers, run through a real Alembic environment like a service's: the
kernel tables, and append-only tables whose trigger refuses UPDATE and DELETE in PostgreSQL."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic import command
from alembic.config import Config

from linli.common.migrations import AppendOnly, kernel_tables
from linli.common.outbox.relay import asyncpg_connect_args
from linli.common.settings import database_url_for

ENV_PY = """
from sqlalchemy import MetaData
from linli.common.migrations import run_alembic_env

run_alembic_env(MetaData())
"""

INITIAL = """
from linli.common.migrations import create_kernel_tables, drop_kernel_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kernel_tables()


def downgrade() -> None:
    drop_kernel_tables()
"""


@pytest.fixture
def alembic_config(tmp_path: Path) -> Config:
    """A service's migrations folder in miniature: the five-line env.py and one revision."""
    (tmp_path / "versions").mkdir()
    (tmp_path / "env.py").write_text(ENV_PY)
    (tmp_path / "script.py.mako").write_text("")
    (tmp_path / "versions" / "0001_initial.py").write_text(INITIAL)
    config = Config()
    config.set_main_option("script_location", str(tmp_path))
    return config


@pytest.fixture
async def empty_database(pg_server_url: str) -> AsyncIterator[str]:
    name = f"linli_kernel_migrate_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**asyncpg_connect_args(pg_server_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url_for(pg_server_url, name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _tables_and_indexes(url: str) -> tuple[set[str], set[str]]:
    conn = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        tables = {
            r[0]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        indexes = {
            r[0]
            for r in await conn.fetch(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
            )
        }
        return tables, indexes
    finally:
        await conn.close()


def test_kernel_tables_are_all_there() -> None:
    assert {t.name for t in kernel_tables()} == {
        "outbox_messages",
        "processed_events",
        "idempotency_keys",
        "pii_access_log",
    }


async def test_upgrade_creates_and_downgrade_drops_the_kernel_tables(
    alembic_config: Config, empty_database: str
) -> None:
    alembic_config.attributes["database_url"] = empty_database
    # Called from a running event loop on purpose: run_alembic_env must cope with that.
    command.upgrade(alembic_config, "head")
    tables, indexes = await _tables_and_indexes(empty_database)
    assert {"outbox_messages", "processed_events", "idempotency_keys", "pii_access_log"} <= tables
    assert "ix_outbox_messages_unsent" in indexes

    command.downgrade(alembic_config, "base")
    tables, _ = await _tables_and_indexes(empty_database)
    assert tables == {"alembic_version"}


def _offline_ddl(config: Config) -> str:
    """What `upgrade head --sql` prints, with no database at all."""
    config.set_main_option("sqlalchemy.url", "postgresql+asyncpg://nobody@nowhere/none")
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)
    return config.output_buffer.getvalue()


def test_offline_mode_prints_the_ddl(alembic_config: Config) -> None:
    ddl = _offline_ddl(alembic_config)
    assert "CREATE TABLE outbox_messages" in ddl
    assert "CREATE TABLE processed_events" in ddl
    assert "WHERE sent_at IS NULL" in ddl


# --- append-only tables ------------------------------------------------------------------------

LEDGER_REVISION = """
import sqlalchemy as sa
from alembic import op

from linli.common.migrations import AppendOnly, append_only, drop_append_only

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LEDGER = AppendOnly(
    function="test_ledger_append_only",
    tables=("test_entries", "test_lines"),
    rule="the test ledger is append-only",
    remedy="post a reversing entry",
)


def upgrade() -> None:
    for table in LEDGER.tables:
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        )
    append_only(LEDGER)


def downgrade() -> None:
    drop_append_only(LEDGER)
    for table in LEDGER.tables:
        op.drop_table(table)
"""

REFUSAL = "the test ledger is append-only: {op} of {table} refused (post a reversing entry)"

# The trigger function's body exactly as svc-funds, svc-jobs-coop and svc-service-hall first
# deployed it (white space included), so a database migrated before the helper existed and one
# migrated after hold the same function.
DEPLOYED_BODY = (
    "\n    BEGIN\n        RAISE EXCEPTION '{message}',\n            TG_OP, TG_TABLE_NAME\n"
    "            USING ERRCODE = 'restrict_violation';\n    END\n    "
)


@pytest.fixture
def ledger_config(alembic_config: Config, empty_database: str) -> Config:
    """The miniature migrations plus a revision making two tables append-only, on a fresh database."""
    script_dir = Path(str(alembic_config.get_main_option("script_location")))
    (script_dir / "versions" / "0002_ledger.py").write_text(LEDGER_REVISION)
    alembic_config.attributes["database_url"] = empty_database
    return alembic_config


async def test_append_only_tables_take_inserts_and_refuse_updates_and_deletes(
    ledger_config: Config, empty_database: str
) -> None:
    command.upgrade(ledger_config, "head")
    conn = await asyncpg.connect(**asyncpg_connect_args(empty_database))
    try:
        for table in ("test_entries", "test_lines"):
            await conn.execute(f"INSERT INTO {table} (id, amount_fen) VALUES (1, 100), (2, -100)")
            for op, statement in (
                ("UPDATE", f"UPDATE {table} SET amount_fen = 0 WHERE id = 1"),
                ("DELETE", f"DELETE FROM {table}"),
            ):
                with pytest.raises(asyncpg.RestrictViolationError) as refused:
                    await conn.execute(statement)
                assert refused.value.sqlstate == "23001"
                assert str(refused.value) == REFUSAL.format(op=op, table=table)
            rows = await conn.fetch(f"SELECT id, amount_fen FROM {table} ORDER BY id")
            assert [tuple(r) for r in rows] == [(1, 100), (2, -100)]
        body = await conn.fetchval(
            "SELECT prosrc FROM pg_proc WHERE proname = 'test_ledger_append_only'"
        )
        message = "the test ledger is append-only: % of % refused (post a reversing entry)"
        assert body == DEPLOYED_BODY.format(message=message)
    finally:
        await conn.close()


async def test_drop_append_only_removes_the_triggers_and_their_function(
    ledger_config: Config, empty_database: str
) -> None:
    command.upgrade(ledger_config, "head")
    command.downgrade(ledger_config, "0001")
    conn = await asyncpg.connect(**asyncpg_connect_args(empty_database))
    try:
        functions = await conn.fetchval(
            "SELECT count(*) FROM pg_proc WHERE proname = 'test_ledger_append_only'"
        )
        triggers = await conn.fetchval(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'test_%_append_only'"
        )
    finally:
        await conn.close()
    assert (functions, triggers) == (0, 0)
    tables, _ = await _tables_and_indexes(empty_database)
    assert not {"test_entries", "test_lines"} & tables
    command.upgrade(ledger_config, "head")  # and it applies again


def test_offline_mode_prints_the_append_only_triggers(ledger_config: Config) -> None:
    ddl = _offline_ddl(ledger_config)
    assert "CREATE FUNCTION test_ledger_append_only() RETURNS trigger" in ddl
    assert "CREATE TRIGGER test_lines_append_only BEFORE UPDATE OR DELETE ON test_lines" in ddl


@pytest.mark.parametrize(
    "fields",
    [
        {"function": "Ledger-Guard"},
        {"tables": ()},
        {"tables": ("ledger; DROP TABLE funds",)},
        {"tables": ("t" * 52,)},
        {"rule": "the ledger's rows are final"},
        {"remedy": "100% final"},
        {"rule": "see :ledger"},
        {"remedy": "ends the body $$"},
    ],
)
def test_names_and_texts_that_would_need_quoting_are_refused(fields: dict[str, Any]) -> None:
    spec: dict[str, Any] = {"function": "ledger_guard", "tables": ("ledger",), "rule": "final"}
    with pytest.raises(ValueError):
        AppendOnly(**(spec | fields))
