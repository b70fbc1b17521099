"""Durable JetStream consumers whose handlers run exactly once per event, in the effect's transaction."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy import String
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.db import KernelBase, utcnow_column
from linli.common.events import CloudEvent
from linli.common.nats import Backoff, JetStreamSource
from linli.common.tasks import cancel_and_wait

__all__ = ["EventConsumer", "EventHandler", "ProcessedEvent", "UnprocessableEvent"]

log = structlog.get_logger("linli.consumers")

EventHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
"""Applies one event's effect inside the given session; never commits."""


class UnprocessableEvent(Exception):
    """Raised by a handler for an event that no redelivery can fix (its data cannot be read):
    the message is terminated at once instead of being retried `max_deliver` times."""


CONSUMED = Counter(
    "linli_events_consumed_total",
    "Events a consumer settled, by outcome: processed, duplicate, failed, dead, malformed",
    ["consumer", "outcome"],
)


class ProcessedEvent(KernelBase):
    """An event a consumer has applied; written in the same transaction as the effect."""

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = utcnow_column()


class EventConsumer:
    """A durable pull consumer on the event stream that calls `handler` once per event id.

    JetStream delivers at least once (redeliveries, an outbox retry after the duplicate window);
    recording the event id in the handler's own transaction turns that into exactly-once effects.
    Messages are handled one after another, in stream order.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        nats: JetStreamSource,
        *,
        durable: str,
        filter_subjects: str | Sequence[str],
        handler: EventHandler,
        batch_size: int = 50,
        fetch_wait_s: float = 5.0,
        ack_wait_s: float = 30.0,
        max_deliver: int = 10,
        retry_delay_s: float = 1.0,
        max_retry_delay_s: float = 60.0,
        deliver_policy: DeliverPolicy = DeliverPolicy.ALL,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._nats = nats
        self.durable = durable
        self.filter_subjects = (
            [filter_subjects] if isinstance(filter_subjects, str) else list(filter_subjects)
        )
        if not self.filter_subjects:
            raise ValueError("a consumer needs at least one filter subject")
        self._handler = handler
        self.batch_size = batch_size
        self.fetch_wait_s = fetch_wait_s
        self.ack_wait_s = ack_wait_s
        self.max_deliver = max_deliver
        self.retry_delay_s = retry_delay_s
        self.max_retry_delay_s = max_retry_delay_s
        self.deliver_policy = deliver_policy
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"consumer:{self.durable}")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None

    async def run_until_idle(self, *, idle_s: float = 1.0) -> int:
        """Handle messages until none arrives for `idle_s`; returns how many were settled.

        For tests and one-off catch-ups; bound the whole call with `asyncio.timeout`.
        """
        subscription = await self._subscribe(await self._nats.jetstream())
        settled = 0
        try:
            while True:
                try:
                    messages = await subscription.fetch(self.batch_size, timeout=idle_s)
                except TimeoutError:
                    return settled
                for message in messages:
                    await self._settle(message)
                    settled += 1
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    def consumer_config(self) -> ConsumerConfig:
        config = ConsumerConfig(
            name=self.durable,
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_s,
            max_deliver=self.max_deliver,
            deliver_policy=self.deliver_policy,
        )
        if len(self.filter_subjects) == 1:
            config.filter_subject = self.filter_subjects[0]
        else:
            config.filter_subjects = self.filter_subjects
        return config

    async def _subscribe(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        stream = self._nats.stream
        # Create-or-update on every (re)subscribe: a changed filter or limit takes effect on the
        # next deploy, and a consumer lost with its server comes back.
        info = await js.add_consumer(stream, self.consumer_config())
        if len(self.filter_subjects) > 1 and not info.config.filter_subjects:
            # Servers before 2.10 ignore `filter_subjects` and would deliver the whole stream.
            raise RuntimeError(
                f"consumer {self.durable}: this NATS server does not support several filter subjects"
            )
        return await js.pull_subscribe_bind(durable=self.durable, stream=stream)

    async def _run(self) -> None:
        backoff = Backoff()
        subscription: JetStreamContext.PullSubscription | None = None
        while True:
            try:
                if subscription is None:
                    subscription = await self._subscribe(await self._nats.jetstream())
                    log.info("consumer subscribed", consumer=self.durable)
                messages = await subscription.fetch(self.batch_size, timeout=self.fetch_wait_s)
            except TimeoutError:
                # Nothing to do; also what a fetch looks like while NATS reconnects.
                continue
            except Exception as exc:
                log.warning(
                    "consumer cannot fetch; retrying", consumer=self.durable, error=repr(exc)
                )
                if subscription is not None:
                    with contextlib.suppress(Exception):
                        await subscription.unsubscribe()
                    subscription = None
                await backoff.sleep()
                continue
            backoff.reset()
            for message in messages:
                await self._settle(message)

    async def _settle(self, message: Msg) -> None:
        """Apply one message and ack it, or nak it for a later retry, or terminate it."""
        try:
            event = CloudEvent.model_validate_json(message.data)
        except ValidationError as exc:
            # Redelivering cannot make it readable: drop it, loudly.
            log.error(
                "malformed event terminated",
                consumer=self.durable,
                subject=message.subject,
                error=str(exc)[:1000],
            )
            CONSUMED.labels(self.durable, "malformed").inc()
            await _quietly(message.term())
            return
        try:
            async with self._sessionmaker() as session, session.begin():
                # Waits on a concurrent replica's uncommitted insert of the same id, so two
                # copies of one event never both apply.
                first_time = await session.scalar(
                    insert(ProcessedEvent)
                    .values(consumer=self.durable, event_id=event.id)
                    .on_conflict_do_nothing()
                    .returning(ProcessedEvent.event_id)
                )
                if first_time is not None:
                    await self._handler(session, event)
        except UnprocessableEvent as exc:
            log.error(
                "unprocessable event terminated",
                consumer=self.durable,
                event_id=event.id,
                type=event.type,
                error=str(exc)[:1000],
            )
            CONSUMED.labels(self.durable, "malformed").inc()
            await _quietly(message.term())
            return
        except Exception as exc:
            await self._retry_later(message, event, exc)
            return
        CONSUMED.labels(self.durable, "processed" if first_time else "duplicate").inc()
        # If this ack is lost the event comes back, finds its id recorded, and is only acked.
        await _quietly(message.ack())

    async def _retry_later(self, message: Msg, event: CloudEvent, exc: Exception) -> None:
        delivered = message.metadata.num_delivered or 1
        if delivered >= self.max_deliver:
            log.error(
                "event handler failed for the last time; event dropped",
                consumer=self.durable,
                event_id=event.id,
                type=event.type,
                deliveries=delivered,
                exc_info=exc,
            )
            CONSUMED.labels(self.durable, "dead").inc()
            await _quietly(message.term())
            return
        delay = min(self.max_retry_delay_s, self.retry_delay_s * 2 ** (delivered - 1))
        log.warning(
            "event handler failed; will retry",
            consumer=self.durable,
            event_id=event.id,
            type=event.type,
            deliveries=delivered,
            retry_in_s=delay,
            error=repr(exc),
        )
        CONSUMED.labels(self.durable, "failed").inc()
        await _quietly(message.nak(delay=delay))


async def _quietly(settlement: Awaitable[None]) -> None:
    """Ack/nak/term are best effort: if one is lost, JetStream redelivers after ack_wait."""
    try:
        await settlement
    except Exception as exc:
        log.warning("cannot settle message", error=repr(exc))
