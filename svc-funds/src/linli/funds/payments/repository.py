"""Queries on payment requests and their approvals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset
from linli.funds.models import PaymentApproval, PaymentRequest, PaymentStatus

# A fund's requests, newest first.
PAYMENT_ORDER = Keyset(PaymentRequest.created_at, PaymentRequest.id, descending=True)


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, payment_id: uuid.UUID, *, for_update: bool = False
    ) -> PaymentRequest | None:
        """With `for_update`, approvals of one request queue here: each counts the others'."""
        return await self.session.get(
            PaymentRequest, payment_id, with_for_update=for_update, populate_existing=for_update
        )

    async def approvals(self, payment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        rows = await self.session.execute(
            select(PaymentApproval.request_id, func.count())
            .where(PaymentApproval.request_id.in_(payment_ids))
            .group_by(PaymentApproval.request_id)
        )
        counts = {payment_id: 0 for payment_id in payment_ids}
        counts.update({payment_id: count for payment_id, count in rows.all()})
        return counts

    async def list(
        self,
        fund_id: uuid.UUID,
        *,
        status: PaymentStatus | None,
        project_id: uuid.UUID | None = None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[PaymentRequest]:
        statement = select(PaymentRequest).where(PaymentRequest.fund_id == fund_id)
        if project_id is not None:
            statement = statement.where(PaymentRequest.project_id == project_id)
        if status is not None:
            statement = statement.where(PaymentRequest.status == status)
        statement = PAYMENT_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()
