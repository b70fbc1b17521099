"""The migration check every deployable runs: head matches the models, and it undoes cleanly."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from linli.infra.databases import alembic_config, create_database, drop_database, migrate

__all__ = ["check_migrations", "public_tables"]


async def public_tables(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {row[0] for row in result}
    finally:
        await engine.dispose()


async def check_migrations(
    service: str | Path, server_url: str, *, tables: Iterable[str] = ()
) -> None:
    """On a fresh database: upgrade to head, `alembic check` (autogenerate finds no difference
    from the models), downgrade to base (nothing left but `alembic_version`), upgrade again.

    `tables` are ones head must have created (a cheap guard against an empty env.py).
    """
    name = f"test_migrations_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    try:
        migrate(service, url)
        config: Any = alembic_config(service, url)
        from alembic import command

        # Raises when autogenerate would find a difference between the models and the database.
        await asyncio.to_thread(command.check, config)
        created = await public_tables(url)
        assert set(tables) <= created, created

        await asyncio.to_thread(command.downgrade, config, "base")
        assert await public_tables(url) == {"alembic_version"}

        await asyncio.to_thread(command.upgrade, config, "head")
        assert await public_tables(url) == created
    finally:
        drop_database(server_url, name)
