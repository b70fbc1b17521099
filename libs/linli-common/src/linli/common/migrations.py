"""Alembic helpers: the kernel's tables in every service's first migration, and a shared env.py."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Sequence

from alembic import context, op
from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from linli.common.db import KernelBase

__all__ = [
    "create_kernel_tables",
    "create_timers_table",
    "drop_kernel_tables",
    "drop_timers_table",
    "kernel_tables",
    "run_alembic_env",
]

DATABASE_URL_ENV = "LINLI_DATABASE_URL"


def kernel_tables() -> list[Table]:
    """Every KernelBase table, in dependency order, with all their modules imported."""
    # Imported for their side effect: each model registers its table on KernelBase.metadata.
    import linli.common.consumers
    import linli.common.idempotency
    import linli.common.outbox.models
    import linli.common.pii  # noqa: F401

    return list(KernelBase.metadata.sorted_tables)


def create_kernel_tables() -> None:
    """Create the kernel's tables (and their indexes) from inside a migration's `upgrade()`.

    This emits the tables as the kernel defines them today. A later change to a kernel table
    ships as a new, named helper here that services call from a new migration; never by
    editing what this one creates.
    """
    impl = op.get_context().impl
    for table in kernel_tables():
        # What `op.create_table` runs underneath, minus copying a Table we already have;
        # works in offline (--sql) mode too.
        impl.create_table(table)


def drop_kernel_tables() -> None:
    impl = op.get_context().impl
    for table in reversed(kernel_tables()):
        impl.drop_table(table)


def create_timers_table() -> None:
    """Create the durable timers table (`linli.common.timers`) from a migration's `upgrade()`, in
    a service that fires timers; its env.py then lists `TIMERS_METADATA` too."""
    from linli.common.timers import TIMERS_METADATA

    impl = op.get_context().impl
    for table in TIMERS_METADATA.sorted_tables:
        impl.create_table(table)


def drop_timers_table() -> None:
    from linli.common.timers import TIMERS_METADATA

    impl = op.get_context().impl
    for table in reversed(TIMERS_METADATA.sorted_tables):
        impl.drop_table(table)


def run_alembic_env(
    target_metadata: MetaData | Sequence[MetaData],
    *,
    database_url: str | None = None,
    kernel: bool = True,
) -> None:
    """The body of every service's `migrations/env.py`:
    `run_alembic_env(Base.metadata, database_url=Settings().database_url)`.

    Where the database is, first found wins: a connection the caller already holds
    (`config.attributes["connection"]`, Alembic's recipe for callers inside an event loop),
    `config.attributes["database_url"]`, `sqlalchemy.url`, `database_url`, `LINLI_DATABASE_URL`.
    The kernel's metadata is included, so autogenerate neither drops nor re-creates the kernel
    tables; `kernel=False` for a deployable without them (the gateway keeps no outbox).
    """
    metadata = [target_metadata] if isinstance(target_metadata, MetaData) else list(target_metadata)
    if kernel and KernelBase.metadata not in metadata:
        kernel_tables()
        metadata.append(KernelBase.metadata)

    config = context.config
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run_migrations(connection, metadata)
        return
    url = (
        config.attributes.get("database_url")
        or config.get_main_option("sqlalchemy.url")
        or database_url
        or os.environ.get(DATABASE_URL_ENV)
    )
    if not url:
        raise RuntimeError(f"no database to migrate: set sqlalchemy.url or {DATABASE_URL_ENV}")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_run_online(str(url), metadata))
        return
    # Called from inside a running loop (an async test, `linli dev up`): asyncio.run would
    # refuse, so the migration gets a loop of its own in a worker thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _run_online(str(url), metadata)).result()


async def _run_online(url: str, metadata: list[MetaData]) -> None:
    # NullPool: a one-shot process has nothing to keep a pool for.
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run_migrations, metadata)
            await conn.commit()
    finally:
        await engine.dispose()


def _run_migrations(connection: Connection, metadata: list[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # One transaction per migration file: a failure leaves the database at the last good one.
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
