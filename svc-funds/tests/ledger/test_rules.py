"""The ledger's rules hold in PostgreSQL itself: UPDATE and DELETE of ledger rows are refused,
an entry whose lines do not sum to zero cannot commit, a cash balance cannot go below zero, and
a balance bent behind the ledger's back is named by the check anyone can run."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
IncomeFactory = Callable[..., Awaitable[dict[str, Any]]]


async def post_by_hand(
    engine: AsyncEngine, fund_id: str, *, kind: str, amount_sql: str, accounts: str
) -> None:
    """An entry written in SQL past the service: its lines' amounts per account `kind`."""
    entry_id = uuid.uuid4()
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO ledger_entries (id, kind, source_id, memo, created_by)"
                " VALUES (:id, :kind, :source, '', 'sql')"
            ),
            {"id": entry_id, "kind": kind, "source": uuid.uuid4()},
        )
        await connection.execute(
            text(
                "INSERT INTO ledger_lines (entry_id, account_id, fund_id, amount_fen)"
                f" SELECT :entry, id, fund_id, {amount_sql} FROM accounts"
                f" WHERE fund_id = :fund AND kind IN ({accounts})"
            ),
            {"entry": entry_id, "fund": uuid.UUID(fund_id)},
        )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_lines SET amount_fen = amount_fen * 2",
        "UPDATE ledger_entries SET memo = 'edited'",
        "DELETE FROM ledger_lines",
        "DELETE FROM ledger_entries",
    ],
)
async def test_update_and_delete_of_ledger_rows_are_refused_by_postgresql(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    create_fund: FundFactory,
    receive_income: IncomeFactory,
    statement: str,
) -> None:
    fund = await create_fund()
    await receive_income(fund, 10_000)
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    check = (await client.get(f"/funds/{fund['id']}/ledger/check")).json()
    assert (check["ok"], check["balance_fen"], check["lines"]) == (True, 10_000, 2)


async def test_an_entry_whose_lines_do_not_sum_to_zero_cannot_commit(
    client: httpx.AsyncClient, engine: AsyncEngine, create_fund: FundFactory
) -> None:
    fund = await create_fund()
    with pytest.raises(DBAPIError, match="does not balance"):
        await post_by_hand(engine, fund["id"], kind="income", amount_sql="100", accounts="'cash'")
    assert (await client.get(f"/funds/{fund['id']}")).json()["balance_fen"] == 0


async def test_a_cash_balance_below_zero_is_refused_by_postgresql(
    engine: AsyncEngine, create_fund: FundFactory, receive_income: IncomeFactory
) -> None:
    fund = await create_fund()
    await receive_income(fund, 100)
    with pytest.raises(IntegrityError, match="cash_not_negative"):
        await post_by_hand(
            engine,
            fund["id"],
            kind="payment",
            amount_sql="CASE kind WHEN 'cash' THEN -101 ELSE 101 END",
            accounts="'cash', 'payments'",
        )


async def test_the_check_names_a_balance_bent_behind_the_ledgers_back(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    create_fund: FundFactory,
    receive_income: IncomeFactory,
) -> None:
    fund = await create_fund()
    await receive_income(fund, 10_000)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE accounts SET balance_fen = 99999 WHERE fund_id = :fund AND kind = 'cash'"),
            {"fund": uuid.UUID(fund["id"])},
        )
    check = (await client.get(f"/funds/{fund['id']}/ledger/check")).json()
    assert check["ok"] is False
    bent = [a for a in check["accounts"] if not a["ok"]]
    assert bent == [{"kind": "cash", "balance_fen": 99999, "ledger_sum_fen": 10_000, "ok": False}]
