"""Async engine and the request-scoped session: commit when the request succeeds, roll back when not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, echo=echo
    )


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


__all__ = [
    "EVENT_SOURCE_INFO",
    "NAMING_CONVENTION",
    "DbSession",
    "KernelBase",
    "create_engine",
    "create_sessionmaker",
    "get_db_session",
    "utcnow_column",
]
