"""The kernel's migration helpers, run through a real Alembic environment like a service's."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from alembic.config import Config

from linli.common.migrations import kernel_tables
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


def test_offline_mode_prints_the_ddl(alembic_config: Config) -> None:
    alembic_config.set_main_option("sqlalchemy.url", "postgresql+asyncpg://nobody@nowhere/none")
    alembic_config.output_buffer = io.StringIO()
    command.upgrade(alembic_config, "head", sql=True)
    ddl = alembic_config.output_buffer.getvalue()
    assert "CREATE TABLE outbox_messages" in ddl
    assert "CREATE TABLE processed_events" in ddl
    assert "WHERE sent_at IS NULL" in ddl
