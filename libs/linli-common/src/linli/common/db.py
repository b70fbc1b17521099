"""Async engine and the request-scoped session: commit when the request succeeds, roll back when not."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, event, func
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, mapped_column

# Stable constraint names, so Alembic migrations can name what they drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class KernelBase(DeclarativeBase):
    """Tables the kernel keeps in every service's database (outbox, processed events, …).

    Kept apart from each service's own Base so that one service's metadata never lists another's
    tables, even when tests import every service into one process.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


# A pooled connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 5.0
# connection record info key: when the connection went back to the pool (time.monotonic()).
_CHECKED_IN_AT = "linli.checked_in_at"


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, echo=echo)
    _check_connections_on_checkout(engine)
    return engine


def _check_connections_on_checkout(engine: AsyncEngine) -> None:
    """What `pool_pre_ping` guarantees, without its cost on a busy pool.

    asyncpg's pre-ping is three round trips (BEGIN, `;`, ROLLBACK) on every checkout: about a
    tenth of a one-row read's CPU. A connection the server closed (a restart, an idle timeout,
    `pg_terminate_backend`) is known closed to asyncpg as soon as the event loop reads the EOF,
    so that costs nothing to check; only a connection that sat idle long enough for a silent
    loss (a NAT or firewall dropping it) is pinged. A failed check discards the connection and
    the pool hands out another (SQLAlchemy retries a DisconnectionError at checkout).
    """
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        # asyncpg's Connection (another driver may have no such check: then only the ping).
        is_closed = getattr(record.driver_connection, "is_closed", None)
        if is_closed is not None and is_closed():
            raise DisconnectionError("connection closed by the server")
        idle = time.monotonic() - record.info.get(_CHECKED_IN_AT, float("-inf"))
        if idle > PING_AFTER_IDLE_S:
            try:
                dialect.do_ping(dbapi_connection)
            except Exception as exc:  # whatever the driver raises, the connection is unusable
                raise DisconnectionError("connection failed its ping") from exc

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


# session.info key: the CloudEvents `source` of the events recorded in this session's transactions.
EVENT_SOURCE_INFO = "linli.event_source"


def create_sessionmaker(
    engine: AsyncEngine, *, event_source: str | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`; with `event_source`, each can record events (`events_of(session)`)."""
    info = {EVENT_SOURCE_INFO: event_source} if event_source is not None else None
    # expire_on_commit=False: response models are built after the commit in some paths.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True, info=info)


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work. Services never commit; this does, once, when the handler succeeds.

    Declared with `scope="function"` below so the commit happens before the response is sent: a
    failed commit becomes a 500, never a 2xx for a change that did not happen.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        request.state.db_session = session
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]


class ReadOnlyStatement(RuntimeError):
    """A write (or a row lock) tried through a `DbReadSession`: the endpoint needs `DbSession`."""


class _ReadOnlySession(Session):
    """A session whose statements run outside a transaction block, so it must never write."""

    def flush(self, objects: Any = None) -> None:
        if self.new or self.dirty or self.deleted:
            raise ReadOnlyStatement("a DbReadSession never writes: declare DbSession")
        super().flush(objects)


def _refuse_writes(state: ORMExecuteState) -> None:
    statement: Any = state.statement
    if not state.is_select or getattr(statement, "_for_update_arg", None) is not None:
        raise ReadOnlyStatement("a DbReadSession only selects, without locks: declare DbSession")


def create_read_sessionmaker(
    engine: AsyncEngine,
) -> async_sessionmaker[AsyncSession]:
    """Sessions for `DbReadSession`: the same pool, each statement in autocommit."""
    if not event.contains(_ReadOnlySession, "do_orm_execute", _refuse_writes):
        event.listen(_ReadOnlySession, "do_orm_execute", _refuse_writes)
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        sync_session_class=_ReadOnlySession,
        expire_on_commit=False,
    )


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The session of an operation that answers with ONE select and writes nothing.

    It runs that select without BEGIN and COMMIT, two of the read's four round trips to
    PostgreSQL. The answer is the same: under READ COMMITTED a statement takes its own snapshot
    whether or not a transaction block surrounds it. Two selects would each see their own
    snapshot, and a write or a row lock would not be held by anything: a write, a lock, or a
    `text()` statement (which could be either) refuses with `ReadOnlyStatement` (a 500, the
    endpoint's bug). An operation doing any of these, or more than one select, takes `DbSession`.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    async with sessionmaker() as session:
        yield session


DbReadSession = Annotated[AsyncSession, Depends(get_read_session, scope="function")]


__all__ = [
    "EVENT_SOURCE_INFO",
    "NAMING_CONVENTION",
    "DbReadSession",
    "DbSession",
    "KernelBase",
    "ReadOnlyStatement",
    "create_engine",
    "create_read_sessionmaker",
    "create_sessionmaker",
    "get_db_session",
    "get_read_session",
    "utcnow_column",
]
