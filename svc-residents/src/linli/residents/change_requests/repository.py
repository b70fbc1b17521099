"""Queries on change requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.conflicts import insert_or_conflict
from linli.common.pagination import Keyset, within_division
from linli.residents.models import ChangeRequest

# Oldest first: a review queue is worked in the order residents waited.
CHANGE_REQUEST_ORDER = Keyset(ChangeRequest.created_at, ChangeRequest.id)


class ChangeRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, request: ChangeRequest) -> bool:
        """Insert; False when the resident already has one pending (the partial unique index
        settles two simultaneous filings)."""
        return await insert_or_conflict(self.session, request) is None

    async def get(self, request_id: uuid.UUID, *, for_update: bool = False) -> ChangeRequest | None:
        statement = select(ChangeRequest).where(ChangeRequest.id == request_id)
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return await self.session.scalar(statement)

    async def list(
        self,
        *,
        division_prefix: str | None,
        where: Sequence[ColumnElement[bool]],
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[ChangeRequest]:
        """A page (and one row more) of the requests of a division (None: every community) in
        `CHANGE_REQUEST_ORDER`."""
        statement = select(ChangeRequest).where(*where)
        if division_prefix is not None:
            statement = statement.where(
                within_division(ChangeRequest.community_code, division_prefix)
            )
        statement = CHANGE_REQUEST_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()
