"""Queries on registrations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.conflicts import insert_or_conflict
from linli.common.pagination import Keyset, within_division
from linli.residents.models import Registration, RegistrationStatus

# Oldest first, so a review queue is worked in the order residents waited.
REGISTRATION_ORDER = Keyset(Registration.created_at, Registration.id)


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, registration: Registration) -> bool:
        """Insert `registration`; False when the same ID number already waits in that community
        (the partial unique index settles two simultaneous submissions)."""
        return await insert_or_conflict(self.session, registration) is None

    async def get(
        self, registration_id: uuid.UUID, *, for_update: bool = False
    ) -> Registration | None:
        """`for_update` locks the row until the transaction ends: two reviews of one registration
        run one after the other, and the second sees the first's decision."""
        statement = select(Registration).where(Registration.id == registration_id)
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return await self.session.scalar(statement)

    async def list(
        self,
        *,
        division_prefix: str,
        status: RegistrationStatus | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Registration]:
        """A page (and one row more) of the division's registrations in `REGISTRATION_ORDER`."""
        statement = select(Registration).where(
            within_division(Registration.community_code, division_prefix)
        )
        if status is not None:
            statement = statement.where(Registration.status == status)
        statement = REGISTRATION_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()
