"""Read what the code under test wrote to the outbox, instead of querying OutboxMessage by hand."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.events import CloudEvent
from linli.common.outbox import OutboxMessage

__all__ = ["OutboxReader", "short_type"]

_TYPE = re.compile(r"^cn\.linli\.[a-z0-9_-]+\.(.+)\.v[0-9]+$")


def short_type(event_type: str) -> str:
    """`cn.linli.residents.household.updated.v1` → `household.updated`."""
    match = _TYPE.match(event_type)
    return match.group(1) if match else event_type


class OutboxReader:
    """The outbox rows a test's code wrote, oldest first.

    Give it the test's `session` (rows of its own, uncommitted transaction) or a sessionmaker
    (committed rows, what an app under test wrote). `type` filters by full or short type
    (`household.updated`).
    """

    def __init__(self, source: AsyncSession | async_sessionmaker[AsyncSession]) -> None:
        self._source = source

    async def messages(self, *, type: str | None = None) -> list[OutboxMessage]:
        statement = select(OutboxMessage).order_by(OutboxMessage.created_at)
        if isinstance(self._source, AsyncSession):
            rows = list(await self._source.scalars(statement))
        else:
            async with self._source() as session:
                rows = list(await session.scalars(statement))
        if type is not None:
            rows = [row for row in rows if type in (row.type, short_type(row.type))]
        return rows

    async def events(self, *, type: str | None = None) -> list[CloudEvent]:
        """The CloudEvents, exactly as the relay will publish them."""
        return [CloudEvent.model_validate(row.payload) for row in await self.messages(type=type)]

    async def types(self) -> list[str]:
        """Short types, oldest first: `["resident.created", "household.created"]`."""
        return [short_type(row.type) for row in await self.messages()]

    async def data(self, type: str) -> list[dict[str, object]]:
        """The `data` of every event of one type, oldest first."""
        return [event.data for event in await self.events(type=type)]
