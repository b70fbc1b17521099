"""Queries on donations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset
from linli.funds.models import Donation, DonationStatus

DONATION_ORDER = Keyset(Donation.created_at, Donation.id, descending=True)


class DonationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, donation_id: uuid.UUID, *, for_update: bool = False) -> Donation | None:
        return await self.session.get(
            Donation, donation_id, with_for_update=for_update, populate_existing=for_update
        )

    async def by_ref(self, provider: str, provider_ref: str) -> Donation | None:
        """Locked: two deliveries of one callback queue here, the second sees the first's post."""
        return (
            await self.session.scalars(
                select(Donation)
                .where(Donation.provider == provider, Donation.provider_ref == provider_ref)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one_or_none()

    async def received(
        self,
        fund_id: uuid.UUID,
        *,
        project_id: uuid.UUID | None = None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Donation]:
        """The fund's received (and refunded) donations; with `project_id`, the project's."""
        statement = select(Donation).where(
            Donation.fund_id == fund_id, Donation.status != DonationStatus.PENDING
        )
        if project_id is not None:
            statement = statement.where(Donation.project_id == project_id)
        statement = DONATION_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()
