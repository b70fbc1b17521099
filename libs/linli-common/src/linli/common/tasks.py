"""Stopping the background tasks of a service (relay, consumers, NATS connector, imports)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

__all__ = ["cancel_and_wait"]


async def cancel_and_wait(
    tasks: asyncio.Task[Any] | Iterable[asyncio.Task[Any]], *, grace_s: float = 1.0
) -> None:
    """Cancel the tasks and return once every one has ended.

    One `cancel()` is not always enough on Python 3.11: `asyncio.wait_for` returns its inner
    future's result, swallowing the cancellation, when that future completes in the same loop
    turn (python/cpython#86296). nats-py waits for every fetched message that way, so a consumer
    cancelled as a message arrives went on fetching and its service's shutdown hung. A task still
    running after `grace_s` is cancelled again; the grace lets a task's own clean-up on
    cancellation (an import marking its job failed) finish first.
    """
    pending = {tasks} if isinstance(tasks, asyncio.Task) else set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=grace_s)
