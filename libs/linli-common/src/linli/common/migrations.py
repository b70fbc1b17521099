"""Alembic helpers: the kernel's tables in every service's first migration, append-only tables
guarded by a trigger, and a shared env.py."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from alembic import context, op
from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from linli.common.db import KernelBase

__all__ = [
    "AppendOnly",
    "append_only",
    "create_kernel_tables",
    "create_timers_table",
    "drop_append_only",
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


# PostgreSQL's identifiers are at most 63 bytes; the trigger's name adds a suffix to the table's.
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TRIGGER_SUFFIX = "_append_only"

# The trigger function as svc-funds, svc-jobs-coop and svc-service-hall first deployed it, to the
# byte (PostgreSQL keeps a function's body as written, white space included): databases migrated
# before this helper existed and after hold the same objects. Change it only through a new,
# named helper that a new migration calls.
_REFUSE_FUNCTION = """
    CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{message}',
            TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """


@dataclass(frozen=True, slots=True)
class AppendOnly:
    """Tables whose rows, once written, the database never lets change: one trigger function,
    `function`, refuses every UPDATE and DELETE of them (SQLSTATE 23001, restrict_violation) with
    "<rule>: UPDATE of <table> refused (<remedy>)". Each table's trigger is
    `<table>_append_only`. A migration names it once and passes it to `append_only` in
    `upgrade()` and to `drop_append_only` in `downgrade()`:

        LEDGER = AppendOnly(
            function="funds_ledger_append_only",
            tables=("ledger_entries", "ledger_lines"),
            rule="the ledger is append-only",
            remedy="post a reversing entry",
        )
    """

    function: str
    tables: tuple[str, ...]
    rule: str
    remedy: str | None = None

    def __post_init__(self) -> None:
        # Migration authors' constants, but spliced into DDL: refuse what would need quoting.
        if not self.tables:
            raise ValueError("AppendOnly needs at least one table")
        if not _IDENTIFIER.fullmatch(self.function):
            raise ValueError(f"not a plain PostgreSQL identifier: {self.function!r}")
        for table in self.tables:
            if not _IDENTIFIER.fullmatch(table + _TRIGGER_SUFFIX):
                raise ValueError(f"not a plain table name (at most 51 characters): {table!r}")
        for text in (self.rule, self.remedy or ""):
            # A quote would end the SQL string, $$ the function's body, % is RAISE's
            # placeholder and :name an Alembic (SQLAlchemy text) bind parameter.
            if any(char in text for char in "'$%:\\"):
                raise ValueError(f"the refusal's text may not hold ' $ % : or \\: {text!r}")

    @property
    def message(self) -> str:
        """The refusal's text, with RAISE's placeholders for the operation and the table."""
        remedy = f" ({self.remedy})" if self.remedy else ""
        return f"{self.rule}: % of % refused{remedy}"

    def create_statements(self) -> list[str]:
        """The DDL `append_only` runs: the function, then one trigger per table."""
        return [
            _REFUSE_FUNCTION.format(function=self.function, message=self.message),
            *(
                f"CREATE TRIGGER {table}{_TRIGGER_SUFFIX} BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {self.function}()"
                for table in self.tables
            ),
        ]

    def drop_statements(self) -> list[str]:
        """The DDL `drop_append_only` runs: the triggers, then the function."""
        return [
            *(f"DROP TRIGGER {table}{_TRIGGER_SUFFIX} ON {table}" for table in self.tables),
            f"DROP FUNCTION {self.function}()",
        ]


def append_only(tables: AppendOnly) -> None:
    """From a migration's `upgrade()`, after the tables exist: refuse UPDATE and DELETE of their
    rows in the database itself, so no code path (nor a hand-typed statement) can rewrite them.
    Works in offline (--sql) mode too."""
    for statement in tables.create_statements():
        op.execute(statement)


def drop_append_only(tables: AppendOnly) -> None:
    """From a migration's `downgrade()`, before the tables are dropped: undo `append_only`."""
    for statement in tables.drop_statements():
        op.execute(statement)


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
