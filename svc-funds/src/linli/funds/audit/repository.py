"""Queries on the audit trail (the synchronous ones run in the commit hook)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from linli.common.pagination import Keyset
from linli.funds.models import AuditRecord, Fund

AUDIT_ORDER = Keyset(AuditRecord.seq)
GENESIS = "0" * 64


def lock_head(session: Session, fund_id: uuid.UUID) -> str:
    """Lock the fund's chain (its fund row) and give the hash of its latest record.

    FOR NO KEY UPDATE, not FOR UPDATE: every row inserted with a foreign key to the fund (a
    donation, a ledger line) holds a KEY SHARE lock on it until commit, which FOR UPDATE would
    wait for, so two such transactions committing at once would deadlock on each other's."""
    session.execute(select(Fund.id).where(Fund.id == fund_id).with_for_update(key_share=True))
    head = session.scalar(
        select(AuditRecord.hash)
        .where(AuditRecord.fund_id == fund_id)
        .order_by(AuditRecord.seq.desc())
        .limit(1)
    )
    return head or GENESIS


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def chain(self, fund_id: uuid.UUID, *, batch: int = 1000) -> AsyncIterator[AuditRecord]:
        """The fund's records in order, a batch at a time."""
        after = 0
        while True:
            rows = (
                await self.session.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.fund_id == fund_id, AuditRecord.seq > after)
                    .order_by(AuditRecord.seq)
                    .limit(batch)
                )
            ).all()
            for row in rows:
                yield row
            if len(rows) < batch:
                return
            after = rows[-1].seq

    async def page(
        self, fund_id: uuid.UUID, *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[AuditRecord]:
        statement = select(AuditRecord).where(AuditRecord.fund_id == fund_id)
        return (
            await self.session.scalars(AUDIT_ORDER.paginate(statement, after=after, limit=limit))
        ).all()
