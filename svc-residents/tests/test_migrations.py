"""The migrations build exactly the models' schema, and undo cleanly."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from linli.residents.config import NAME
from linli.testing import create_database, drop_database, migrate
from linli.testing.databases import alembic_config


async def tables(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {row[0] for row in result}
    finally:
        await engine.dispose()


async def test_upgrade_matches_the_models_and_downgrade_removes_everything(
    pg_server_url: str,
) -> None:
    name = "test_residents_migrations"
    url = create_database(pg_server_url, name)
    try:
        migrate(NAME, url)
        config = alembic_config(NAME, url)
        # Raises when autogenerate would find a difference between the models and the database.
        await asyncio.to_thread(command.check, config)
        assert {"divisions", "registrations", "households", "residents", "outbox_messages"} <= (
            await tables(url)
        )

        await asyncio.to_thread(command.downgrade, config, "base")

        assert await tables(url) == {"alembic_version"}
    finally:
        drop_database(pg_server_url, name)
