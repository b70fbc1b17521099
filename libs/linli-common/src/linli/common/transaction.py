"""Work staged in a session's transaction and applied just before it commits.

Some writes belong at the very end of a transaction: the outbox's one `pg_notify`, the residents'
counter deltas applied in one batch and in key order. `stage(session, key, factory, apply)` gives
the transaction's value under `key` (made by `factory` on first use) and has `apply(session,
value)` run as the last writes before the commit; a savepoint's release is not a commit, and a
rollback forgets everything staged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

__all__ = ["peek", "stage", "take"]

T = TypeVar("T")

# session.info key: {key: (value, apply)} of the current transaction, in staging order.
_STAGED = "linli.staged_at_commit"


def stage(
    session: AsyncSession | Session,
    key: str,
    factory: Callable[[], T],
    apply: Callable[[Session, T], None],
) -> T:
    """This transaction's value under `key`, applied with `apply` just before it commits."""
    _install_hooks()
    staged: dict[str, tuple[Any, Callable[[Session, Any], None]]] = session.info.setdefault(
        _STAGED, {}
    )
    if key not in staged:
        staged[key] = (factory(), apply)
    value: T = staged[key][0]
    return value


def peek(session: AsyncSession | Session, key: str) -> Any | None:
    """The value staged under `key`, if any, left staged."""
    entry = session.info.get(_STAGED, {}).get(key)
    return None if entry is None else entry[0]


def take(session: AsyncSession | Session, key: str) -> Any | None:
    """The value staged under `key`, if any, no longer to be applied at commit (the caller
    applies it now)."""
    entry = session.info.get(_STAGED, {}).pop(key, None)
    return None if entry is None else entry[0]


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the work waits for the real commit
    staged = session.info.pop(_STAGED, None)
    for value, apply in (staged or {}).values():
        apply(session, value)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # Rolled back (or committed after the hook ran): nothing staged leaks into the next.
        session.info.pop(_STAGED, None)


def _install_hooks() -> None:
    # Installed on first use rather than at import: nothing happens at import time.
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
