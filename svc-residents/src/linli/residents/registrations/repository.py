"""Queries on registrations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.residents.models import Registration, RegistrationStatus


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, registration: Registration) -> bool:
        """Insert `registration`; False when the same ID number already waits in that community
        (the partial unique index settles two simultaneous submissions)."""
        try:
            async with self.session.begin_nested():
                self.session.add(registration)
        except IntegrityError as exc:
            if "uq_registrations_pending_id_number" not in str(exc.orig):
                raise
            return False
        return True

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
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Registration]:
        """Oldest first, so a review queue is worked in the order residents waited."""
        statement = select(Registration).where(
            Registration.community_code.startswith(division_prefix, autoescape=True)
        )
        if status is not None:
            statement = statement.where(Registration.status == status)
        if after is not None:
            statement = statement.where(
                tuple_(Registration.created_at, Registration.id) > tuple_(*after)
            )
        statement = statement.order_by(Registration.created_at, Registration.id).limit(limit)
        return (await self.session.scalars(statement)).all()
