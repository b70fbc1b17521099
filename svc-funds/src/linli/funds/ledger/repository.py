"""Queries on the ledger: accounts locked for a posting, entries and lines written, movements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset
from linli.funds.models import Account, AccountKind, LedgerEntry, LedgerLine

# A fund's movements, newest first.
MOVEMENT_ORDER = Keyset(LedgerLine.created_at, LedgerLine.id, descending=True)


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def account(self, fund_id: uuid.UUID, kind: AccountKind) -> Account:
        account = (
            await self.session.scalars(
                select(Account).where(Account.fund_id == fund_id, Account.kind == kind)
            )
        ).one()
        return account

    async def lock(self, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Account]:
        """Lock the accounts an entry will touch, in id order (two postings lock in the same
        order, so they never deadlock), with their balances as of the lock."""
        accounts = (
            await self.session.scalars(
                select(Account)
                .where(Account.id.in_(account_ids))
                .order_by(Account.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).all()
        return {account.id: account for account in accounts}

    async def balance(self, account_id: uuid.UUID) -> int:
        """The balance now (the lines' trigger moved it since the account was loaded)."""
        balance = await self.session.scalar(
            select(Account.balance_fen).where(Account.id == account_id)
        )
        assert balance is not None
        return balance

    async def add_lines(self, lines: Sequence[LedgerLine]) -> None:
        self.session.add_all(lines)
        await self.session.flush()

    async def movements(
        self, account_id: uuid.UUID, *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[LedgerLine]:
        statement = select(LedgerLine).where(LedgerLine.account_id == account_id)
        statement = MOVEMENT_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def entries(self, entry_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LedgerEntry]:
        rows = await self.session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(entry_ids)))
        return {entry.id: entry for entry in rows}
