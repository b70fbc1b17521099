"""Stopping background tasks, including one that swallows its first cancellation."""

from __future__ import annotations

import asyncio

from linli.common.tasks import cancel_and_wait


async def test_a_task_that_swallows_a_cancellation_is_cancelled_again() -> None:
    swallowed = asyncio.Event()

    async def fetch_loop() -> None:
        # What Python 3.11's wait_for does when its future completes as the cancel lands.
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed.is_set():
                    raise
                swallowed.set()

    task = asyncio.create_task(fetch_loop())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await cancel_and_wait(task, grace_s=0.1)
    assert swallowed.is_set()
    assert task.cancelled()


async def test_several_tasks_and_an_already_finished_one() -> None:
    done = asyncio.create_task(asyncio.sleep(0))
    await done
    sleepers = [asyncio.create_task(asyncio.sleep(3600)) for _ in range(3)]
    await cancel_and_wait([done, *sleepers])
    assert all(task.cancelled() for task in sleepers)
    assert not done.cancelled()
