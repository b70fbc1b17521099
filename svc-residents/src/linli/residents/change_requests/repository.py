"""Queries on change requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.residents.models import ChangeRequest


class ChangeRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, request: ChangeRequest) -> bool:
        """Insert; False when the resident already has one pending (the partial unique index
        settles two simultaneous filings)."""
        try:
            async with self.session.begin_nested():
                self.session.add(request)
        except IntegrityError as exc:
            if "uq_change_requests_pending_resident" not in str(exc.orig):
                raise
            return False
        return True

    async def get(self, request_id: uuid.UUID, *, for_update: bool = False) -> ChangeRequest | None:
        statement = select(ChangeRequest).where(ChangeRequest.id == request_id)
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return await self.session.scalar(statement)

    async def list(
        self,
        *,
        division_prefix: str,
        where: Sequence[ColumnElement[bool]],
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[ChangeRequest]:
        """Oldest first: a review queue is worked in the order residents waited."""
        statement = select(ChangeRequest).where(
            ChangeRequest.community_code.startswith(division_prefix, autoescape=True), *where
        )
        if after is not None:
            statement = statement.where(
                tuple_(ChangeRequest.created_at, ChangeRequest.id) > tuple_(*after)
            )
        statement = statement.order_by(ChangeRequest.created_at, ChangeRequest.id).limit(limit)
        return (await self.session.scalars(statement)).all()
