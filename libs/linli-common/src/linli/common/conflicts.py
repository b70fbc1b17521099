"""Writes that may break a unique constraint: flushed in a SAVEPOINT, so a conflict undoes only
that write and the request's transaction goes on, and named by the constraint the database
reports (asyncpg's `UniqueViolationError.constraint_name`), never by matching its message.

    if await insert_or_conflict(session, grid):
        raise GridNumberTaken(...)

    async with write_or_conflict(session, on=unique_constraints(Grid)) as write:
        grid.number = 3
    if write.conflict:
        raise GridNumberTaken(...)

A unique constraint is the only check that holds between two simultaneous requests, so the
conflict is found by writing, not by a read beforehand.

After a conflict the SAVEPOINT is rolled back and SQLAlchemy expires what it had changed: read
what the refusal needs to say before the write, not after (reading an expired attribute would
load it, which an async session refuses).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Index, UniqueConstraint, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for unique_violation


def unique_violation(exc: IntegrityError) -> str | None:
    """The name of the unique constraint (or unique index) `exc` broke; None for any other
    integrity error (a foreign key, a CHECK, a NOT NULL)."""
    # SQLAlchemy wraps the DBAPI adapter's error, which wraps the driver's own exception
    # (asyncpg's, carrying the SQLSTATE and the constraint's name).
    for error in (getattr(exc.orig, "__cause__", None), exc.orig):
        name = getattr(error, "constraint_name", None)
        if getattr(error, "sqlstate", None) == UNIQUE_VIOLATION and name:
            return str(name)
    return None


def unique_constraints(model: type[Any]) -> frozenset[str]:
    """The names of a mapped class's unique constraints and unique indexes (partial ones too)."""
    table = inspect(model).local_table
    names = {c.name for c in table.constraints if isinstance(c, UniqueConstraint) and c.name}
    names |= {i.name for i in table.indexes if isinstance(i, Index) and i.unique and i.name}
    return frozenset(str(name) for name in names)


@dataclass(slots=True)
class Write:
    """What `write_or_conflict` found: the constraint the write broke, None when it was written."""

    conflict: str | None = None


@contextlib.asynccontextmanager
async def write_or_conflict(session: AsyncSession, *, on: Collection[str]) -> AsyncIterator[Write]:
    """Make changes in the block, flushed in a SAVEPOINT when it ends: `write.conflict` names the
    constraint in `on` they broke (those changes undone, the session usable), or is None. Any
    other integrity error is raised as it is.

    The changes must be made inside the block: SQLAlchemy flushes what is pending before it
    opens a SAVEPOINT, so a change made before would fail outside it and abort the transaction.
    """
    write = Write()
    # Outside the try: what was pending before the block is flushed here, unguarded.
    savepoint = await session.begin_nested()
    try:
        yield write
        await session.flush()
    except IntegrityError as exc:
        await savepoint.rollback()
        write.conflict = _expected_or_raise(exc, frozenset(on))
    except BaseException:
        await savepoint.rollback()
        raise
    else:
        await savepoint.commit()


async def insert_or_conflict(
    session: AsyncSession, obj: Any, *, on: Collection[str] | None = None
) -> str | None:
    """Insert `obj` now: None when it was written, else the name of the unique constraint it
    broke (nothing written, the session usable). `on` names the constraints a conflict may
    break, by default every unique constraint and unique index of the object's table; any other
    integrity error is raised as it is."""
    expected = unique_constraints(type(obj)) if on is None else on
    async with write_or_conflict(session, on=expected) as write:
        session.add(obj)
    return write.conflict


def _expected_or_raise(exc: IntegrityError, expected: frozenset[str]) -> str:
    name = unique_violation(exc)
    if name is None or name not in expected:
        raise exc
    return name


__all__ = [
    "UNIQUE_VIOLATION",
    "Write",
    "insert_or_conflict",
    "unique_constraints",
    "unique_violation",
    "write_or_conflict",
]
