"""Posting to the ledger, and reading it back. Every movement of money goes through `post`.

A posting locks the accounts it touches (`SELECT … FOR UPDATE`, in id order), checks that no
cash account goes below zero against the balance it holds under that lock, and writes the entry
and its lines in the same transaction: two payments at the same moment queue on the lock, and
the second sees the first's balance. The lines' trigger moves the balances and the accounts'
CHECK refuses a negative cash balance should any code path ever skip the check here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.pagination import Page
from linli.funds.access import any_fund, managed_fund
from linli.funds.audit import service as audit
from linli.funds.funds.events import about
from linli.funds.ledger.errors import AlreadyPosted, InsufficientFunds
from linli.funds.ledger.events import IncomeReceived
from linli.funds.ledger.repository import MOVEMENT_ORDER, LedgerRepository
from linli.funds.ledger.schemas import IncomeCreate, IncomeRead, MovementRead
from linli.funds.models import (
    Account,
    AccountKind,
    EntryKind,
    Fund,
    Income,
    LedgerEntry,
    LedgerLine,
)


@dataclass(frozen=True, slots=True)
class Posted:
    entry: LedgerEntry
    balance_fen: int  # the fund's cash after the posting


async def post(
    session: AsyncSession,
    *,
    fund: Fund,
    kind: EntryKind,
    source_id: uuid.UUID,
    counter_account: AccountKind,
    amount_fen: int,
    memo: str,
    created_by: str,
    reverses_entry_id: uuid.UUID | None = None,
) -> Posted:
    """Move `amount_fen` into the fund's cash from `counter_account` (out of it when negative):
    one entry of two lines summing to zero. 409 `insufficient-funds` (naming the balance) when
    the cash would go below zero; 409 `already-posted` when the source has its entry."""
    ledger = LedgerRepository(session)
    cash = await ledger.account(fund.id, AccountKind.CASH)
    counter = await ledger.account(fund.id, counter_account)
    locked = await ledger.lock([cash.id, counter.id])
    balance = locked[cash.id].balance_fen
    if balance + amount_fen < 0:
        raise InsufficientFunds(balance_fen=balance, amount_fen=-amount_fen)
    entry = LedgerEntry(
        kind=kind,
        source_id=source_id,
        memo=memo,
        created_by=created_by,
        reverses_entry_id=reverses_entry_id,
    )
    if await insert_or_conflict(session, entry):
        raise AlreadyPosted(f"{kind.value} {source_id} is posted already")
    await ledger.add_lines([_line(entry, cash, amount_fen), _line(entry, counter, -amount_fen)])
    return Posted(entry=entry, balance_fen=balance + amount_fen)


async def transfer(
    session: AsyncSession,
    *,
    source: Fund,
    target: Fund,
    source_id: uuid.UUID,
    amount_fen: int,
    memo: str,
    created_by: str,
) -> tuple[Posted, Posted]:
    """Move `amount_fen` from `source`'s cash to `target`'s: one entry of four lines summing to
    zero (each fund's cash against its `transfers` account), all four accounts locked in id
    order first, so transfers either way between two funds never deadlock. 409
    `insufficient-funds` when the source cannot afford it. Returns each fund's posting."""
    ledger = LedgerRepository(session)
    accounts = [
        await ledger.account(source.id, AccountKind.CASH),
        await ledger.account(source.id, AccountKind.TRANSFERS),
        await ledger.account(target.id, AccountKind.TRANSFERS),
        await ledger.account(target.id, AccountKind.CASH),
    ]
    locked = await ledger.lock([account.id for account in accounts])
    out_cash, out_counter, in_counter, in_cash = (locked[a.id] for a in accounts)
    balance = out_cash.balance_fen
    if balance < amount_fen:
        raise InsufficientFunds(balance_fen=balance, amount_fen=amount_fen)
    entry = LedgerEntry(
        kind=EntryKind.TRANSFER, source_id=source_id, memo=memo, created_by=created_by
    )
    if await insert_or_conflict(session, entry):
        raise AlreadyPosted(f"transfer {source_id} is posted already")
    await ledger.add_lines(
        [
            _line(entry, out_cash, -amount_fen),
            _line(entry, out_counter, amount_fen),
            _line(entry, in_counter, -amount_fen),
            _line(entry, in_cash, amount_fen),
        ]
    )
    return (
        Posted(entry=entry, balance_fen=balance - amount_fen),
        Posted(entry=entry, balance_fen=in_cash.balance_fen + amount_fen),
    )


def _line(entry: LedgerEntry, account: Account, amount_fen: int) -> LedgerLine:
    return LedgerLine(
        entry_id=entry.id, account_id=account.id, fund_id=account.fund_id, amount_fen=amount_fen
    )


async def receive_income(
    session: AsyncSession, *, principal: Principal, fund_id: uuid.UUID, income_in: IncomeCreate
) -> IncomeRead:
    fund = await managed_fund(session, principal, fund_id)
    income = Income(
        fund_id=fund.id,
        amount_fen=income_in.amount_fen,
        payer=income_in.payer,
        memo=income_in.memo,
        recorded_by=principal.subject,
    )
    session.add(income)
    await session.flush()
    return await post_income(session, fund, income, actor=principal.subject)


async def post_income(
    session: AsyncSession, fund: Fund, income: Income, *, actor: str
) -> IncomeRead:
    """Post an income record, written in this transaction, to the fund's ledger."""
    posted = await post(
        session,
        fund=fund,
        kind=EntryKind.INCOME,
        source_id=income.id,
        counter_account=AccountKind.INCOME,
        amount_fen=income.amount_fen,
        memo=f"{income.payer} {income.memo}".strip(),
        created_by=actor,
    )
    await audit.record(
        session,
        IncomeReceived(
            **about(fund),
            income_id=income.id,
            entry_id=posted.entry.id,
            amount_fen=income.amount_fen,
            payer=income.payer,
            balance_fen=posted.balance_fen,
        ),
        subject_id=income.id,
        actor=actor,
    )
    return IncomeRead.from_model(income, entry_id=posted.entry.id, balance_fen=posted.balance_fen)


async def list_movements(
    session: AsyncSession, *, fund_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[MovementRead]:
    """Every movement in and out of the fund's cash, newest first."""
    fund = await any_fund(session, fund_id)
    ledger = LedgerRepository(session)
    cash = await ledger.account(fund.id, AccountKind.CASH)
    lines = await ledger.movements(cash.id, after=MOVEMENT_ORDER.decode(cursor), limit=limit)
    entries = await ledger.entries([line.entry_id for line in lines])

    def read(line: LedgerLine) -> MovementRead:
        entry = entries[line.entry_id]
        return MovementRead(
            line_id=line.id,
            entry_id=entry.id,
            kind=entry.kind,
            source_id=entry.source_id,
            amount_fen=line.amount_fen,
            memo=entry.memo,
            reverses_entry_id=entry.reverses_entry_id,
            created_at=line.created_at,
        )

    return MOVEMENT_ORDER.page(lines, limit=limit, read=read)
