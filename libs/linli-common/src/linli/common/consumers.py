"""Durable JetStream consumers whose handlers run exactly once per event, in the effect's transaction.

A service declares what it reads as typed handlers: `handler(ResidentApproved, on_approved)` checks
the CloudEvent's type against the model's `type` Literal, validates `data` into the model, and
derives the subject filter (`linli.*.*.*.*.residents.resident.approved`) from that type;
`ConsumerSpec.of("grid-roster", handler(...), ...)` makes a durable subscription of them.

What a consumer gives up on is dead-lettered, never dropped: the message is copied, bytes unchanged,
to the `LINLI_DLQ` stream on `linli_dlq.<durable>` with headers saying why (`Linli-Dlq-Reason`) and
where it came from (subject, stream sequence, consumer), then terminated on the event stream. No
`processed_events` row is written for it, so once a consumer can handle it, republishing it from
the dead-letter stream (`republish_dead_letters`) applies it once. The reasons:

- `unhandled-type`: a type none of the consumer's handlers reads, typically a newer version on the
  same subject (`...resident.approved.v2` for a consumer of v1). Dead-lettering it, rather than
  leaving it unacked or nak'ing it with a long delay, keeps the consumer moving: later events are
  applied in order (read models are built to take events out of order, by event time), the parked
  message holds no ack-pending slot and burns no `max_deliver` attempt (nak-and-wait would drop it
  after `max_deliver` tries, or, with unlimited deliveries, redeliver it forever), and nothing
  depends on a consumer that "knows it" appearing some day on the same durable.
- `unprocessable`: the handler raised `UnprocessableEvent` (its data cannot be read).
- `malformed`: the message is not a CloudEvent.
- `max-deliver`: the handler failed on every one of `max_deliver` deliveries.

If the dead-letter stream cannot take the copy (NATS trouble), the message is nak'ed and comes back,
so it is never settled before its copy is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import typing
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError
from prometheus_client import Counter
from pydantic import BaseModel, ValidationError
from sqlalchemy import String
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.db import KernelBase, utcnow_column
from linli.common.errors import field_errors
from linli.common.events import SUBJECT_ROOT, TYPE_PREFIX, CloudEvent
from linli.common.nats import DEFAULT_STREAM, Backoff, JetStreamSource
from linli.common.tasks import cancel_and_wait

__all__ = [
    "DEAD_LETTER_STREAM",
    "ConsumerSpec",
    "EventConsumer",
    "EventHandler",
    "EventNotHandled",
    "ProcessedEvent",
    "TypedHandler",
    "UnprocessableEvent",
    "handler",
    "republish_dead_letters",
]

log = structlog.get_logger("linli.consumers")

EventHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
"""Applies one event's effect inside the given session; never commits."""


DEAD_LETTER_STREAM = "LINLI_DLQ"
DEAD_LETTER_ROOT = "linli_dlq"
# JetStream's "stream name already in use with a different configuration".
_STREAM_NAME_IN_USE = 10058


class UnprocessableEvent(Exception):
    """Raised by a handler for an event that no redelivery can fix (its data cannot be read):
    the message is dead-lettered at once instead of being retried `max_deliver` times.

    `errors` lists the offending fields as `{field, message, type}` (as problem responses do).
    """

    def __init__(self, message: str, *, errors: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


class EventNotHandled(Exception):
    """Raised by a handler for an event it does not read (a newer version, say): the event is
    dead-lettered without a `processed_events` row, for a consumer that reads it later."""


CONSUMED = Counter(
    "linli_events_consumed_total",
    "Events a consumer settled, by outcome: processed, duplicate, failed, dead, malformed, unhandled",
    ["consumer", "outcome"],
)

_EVENT_TYPE = re.compile(
    rf"^{re.escape(TYPE_PREFIX)}\.([a-z0-9_-]+)\.([a-z0-9_-]+)\.([a-z0-9_-]+)\.v([0-9]+)$"
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class TypedHandler(Generic[M]):
    """One event type a consumer reads: its model (the consumer's own copy of the fields it
    reads) and what to do with it. Made by `handler(Model, fn)`."""

    model: type[M]
    fn: Callable[[AsyncSession, M, CloudEvent], Awaitable[None]]
    type: str
    service: str
    entity: str
    verb: str
    version: int

    @property
    def subject_filter(self) -> str:
        """Every event of this kind, from any division: `linli.*.*.*.*.<service>.<entity>.<verb>`."""
        return ".".join((SUBJECT_ROOT, "*", "*", "*", "*", self.service, self.entity, self.verb))

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        if event.type != self.type:
            raise EventNotHandled(f"{event.type} is not {self.type}")
        try:
            data = self.model.model_validate(event.data)
        except ValidationError as exc:
            errors = field_errors(exc.errors())
            fields = ", ".join(error["field"] for error in errors)
            raise UnprocessableEvent(
                f"event {event.id} ({event.type}) has invalid data fields: {fields}", errors=errors
            ) from exc
        await self.fn(session, data, event)


def handler(
    model: type[M], fn: Callable[[AsyncSession, M, CloudEvent], Awaitable[None]]
) -> TypedHandler[M]:
    """`handler(ResidentApproved, on_approved)`: `on_approved(session, approval, event)` runs for
    each `ResidentApproved.type` event, with its `data` validated into the model.

    The model's `type` field must be a `Literal` of one `cn.linli.<service>.<entity>.<verb>.v<n>`.
    """
    field = model.model_fields.get("type")
    literal = typing.get_args(field.annotation) if field is not None else ()
    if (
        field is None
        or typing.get_origin(field.annotation) is not typing.Literal
        or len(literal) != 1
        or not isinstance(literal[0], str)
        or (parts := _EVENT_TYPE.match(literal[0])) is None
    ):
        raise TypeError(
            f"{model.__name__}.type must be Literal['{TYPE_PREFIX}.<service>.<entity>.<verb>.v<n>']"
        )
    service, entity, verb, version = parts.groups()
    return TypedHandler(
        model=model,
        fn=fn,
        type=literal[0],
        service=service,
        entity=entity,
        verb=verb,
        version=int(version),
    )


class _Dispatch:
    """The EventHandler of a set of typed handlers: each event to the one that reads its type."""

    def __init__(self, handlers: Iterable[TypedHandler[Any]]) -> None:
        self.by_type: dict[str, TypedHandler[Any]] = {}
        for typed in handlers:
            if typed.type in self.by_type:
                raise ValueError(f"two handlers for {typed.type}")
            self.by_type[typed.type] = typed
        if not self.by_type:
            raise ValueError("a consumer needs at least one handler")

    @property
    def filter_subjects(self) -> list[str]:
        # Versions of one event share a subject: one filter for them.
        return list(dict.fromkeys(typed.subject_filter for typed in self.by_type.values()))

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        typed = self.by_type.get(event.type)
        if typed is None:
            handled = ", ".join(sorted(self.by_type))
            raise EventNotHandled(f"{event.type} is not one of the types read here ({handled})")
        await typed(session, event)


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """A durable subscription of a service: its name, the subjects it reads, and what it does."""

    durable: str
    filter_subjects: Sequence[str]
    handler: EventHandler

    @classmethod
    def of(cls, durable: str, *handlers: TypedHandler[Any]) -> ConsumerSpec:
        """A consumer of these typed handlers, on the subjects their types travel on."""
        dispatch = _Dispatch(handlers)
        return cls(durable=durable, filter_subjects=dispatch.filter_subjects, handler=dispatch)


async def ensure_dead_letter_stream(js: JetStreamContext) -> None:
    """The stream dead-lettered messages wait in, kept until someone deals with them."""
    config = StreamConfig(
        name=DEAD_LETTER_STREAM,
        subjects=[f"{DEAD_LETTER_ROOT}.>"],
        storage=StorageType.FILE,
    )
    try:
        await js.add_stream(config)
    except BadRequestError as exc:
        # Made earlier (by another consumer or replica), possibly with limits ops added: keep it.
        if exc.err_code != _STREAM_NAME_IN_USE:
            raise


async def republish_dead_letters(
    js: JetStreamContext, durable: str, *, stream: str = DEFAULT_STREAM, batch: int = 100
) -> int:
    """Put every event `durable` dead-lettered back on its subject, for a consumer that now reads
    it (a new handler version deployed, a bug fixed); returns how many.

    Each leaves the dead-letter stream once the event stream has taken it back. It travels under
    a fresh `Nats-Msg-Id`: the original id would be dropped as a duplicate inside JetStream's
    window. Every consumer of the subject sees it again; those that processed it find its id in
    their processed_events and only ack it.
    """
    subscription = await js.pull_subscribe(
        f"{DEAD_LETTER_ROOT}.{durable}", stream=DEAD_LETTER_STREAM
    )
    moved = 0
    try:
        while True:
            try:
                messages = await subscription.fetch(batch, timeout=1.0)
            except TimeoutError:
                return moved
            for message in messages:
                sequence = message.metadata.sequence.stream
                subject = (message.headers or {}).get("Linli-Dlq-Subject")
                if subject is None:
                    raise ValueError(f"dead letter {sequence} has no Linli-Dlq-Subject header")
                await js.publish(
                    subject,
                    message.data,
                    headers={"Nats-Msg-Id": f"{DEAD_LETTER_STREAM}:{sequence}"},
                    stream=stream,
                )
                await js.delete_msg(DEAD_LETTER_STREAM, sequence)
                await message.ack()
                moved += 1
    finally:
        with contextlib.suppress(Exception):
            await subscription.unsubscribe()


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
        await ensure_dead_letter_stream(js)
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
        """Apply one message and ack it, or nak it for a later retry, or dead-letter it."""
        try:
            event = CloudEvent.model_validate_json(message.data)
        except ValidationError as exc:
            # Redelivering cannot make it readable.
            await self._dead_letter(message, "malformed", "malformed", exc)
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
        except EventNotHandled as exc:
            # Rolled back with its processed_events row: a consumer that reads it later applies it.
            await self._dead_letter(message, "unhandled-type", "unhandled", exc, event=event)
            return
        except UnprocessableEvent as exc:
            await self._dead_letter(message, "unprocessable", "malformed", exc, event=event)
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
            await self._dead_letter(message, "max-deliver", "dead", exc, event=event)
            return
        delay = self._retry_delay(delivered)
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

    def _retry_delay(self, delivered: int) -> float:
        return float(min(self.max_retry_delay_s, self.retry_delay_s * 2 ** (delivered - 1)))

    async def _dead_letter(
        self,
        message: Msg,
        reason: str,
        outcome: str,
        exc: Exception,
        *,
        event: CloudEvent | None = None,
    ) -> None:
        """Copy the message to the dead-letter stream, then terminate it; nak it if the copy fails."""
        error = str(exc) or repr(exc)
        log.error(
            "giving up on event; dead-lettering it",
            consumer=self.durable,
            reason=reason,
            subject=message.subject,
            event_id=event.id if event else None,
            type=event.type if event else None,
            deliveries=message.metadata.num_delivered,
            error=error[:1000],
            # A handler's failure (not a refusal) is a bug to look at: keep its traceback.
            exc_info=exc if outcome == "dead" else None,
        )
        CONSUMED.labels(self.durable, outcome).inc()
        metadata = message.metadata
        headers = {
            # One copy however often the original is delivered (within the duplicate window).
            "Nats-Msg-Id": f"{self.durable}:{metadata.stream}:{metadata.sequence.stream}",
            "Linli-Dlq-Reason": reason,
            "Linli-Dlq-Error": error[:1000].replace("\r", " ").replace("\n", " "),
            "Linli-Dlq-Consumer": self.durable,
            "Linli-Dlq-Subject": message.subject,
            "Linli-Dlq-Stream": metadata.stream,
            "Linli-Dlq-Sequence": str(metadata.sequence.stream),
        }
        try:
            js = await self._nats.jetstream()
            await js.publish(
                f"{DEAD_LETTER_ROOT}.{self.durable}",
                message.data,
                headers=headers,
                stream=DEAD_LETTER_STREAM,
            )
        except Exception as exc:
            delay = self._retry_delay(metadata.num_delivered or 1)
            log.warning(
                "cannot dead-letter event; will retry",
                consumer=self.durable,
                subject=message.subject,
                retry_in_s=delay,
                error=repr(exc),
            )
            await _quietly(message.nak(delay=delay))
            return
        await _quietly(message.term())


async def _quietly(settlement: Awaitable[None]) -> None:
    """Ack/nak/term are best effort: if one is lost, JetStream redelivers after ack_wait."""
    try:
        await settlement
    except Exception as exc:
        log.warning("cannot settle message", error=repr(exc))
