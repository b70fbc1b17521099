"""Many postings at the same moment against one fund, each in its own transaction on real
PostgreSQL: exactly as many pay as the money allows, the balance never goes below zero, and the
ledger sums to the balance."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.funds.funds.service import check_ledger
from linli.funds.ledger.errors import InsufficientFunds
from linli.funds.ledger.service import post
from linli.funds.models import Account, AccountKind, EntryKind, Fund, FundKind


async def test_200_concurrent_payments_against_a_fund_affording_20_pay_exactly_20(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        fund = Fund(
            division_code="330108001001",
            kind=FundKind.COMMUNITY,
            name="并发测试基金",
            quorum=1,
            created_by="test",
        )
        session.add(fund)
        await session.flush()
        session.add_all(Account(fund_id=fund.id, kind=kind, balance_fen=0) for kind in AccountKind)
        await session.flush()
        await post(
            session,
            fund=fund,
            kind=EntryKind.INCOME,
            source_id=uuid.uuid4(),
            counter_account=AccountKind.INCOME,
            amount_fen=2_000,
            memo="",
            created_by="test",
        )

    async def pay() -> bool:
        try:
            async with sessionmaker.begin() as session:
                await post(
                    session,
                    fund=fund,
                    kind=EntryKind.PAYMENT,
                    source_id=uuid.uuid4(),
                    counter_account=AccountKind.PAYMENTS,
                    amount_fen=-100,
                    memo="",
                    created_by="test",
                )
        except InsufficientFunds as refused:
            assert refused.extensions["balance_fen"] < 100
            return False
        return True

    outcomes = await asyncio.gather(*(pay() for _ in range(200)))

    assert outcomes.count(True) == 20
    async with sessionmaker() as session:
        cash = await session.scalar(
            select(Account.balance_fen).where(
                Account.fund_id == fund.id, Account.kind == AccountKind.CASH
            )
        )
        check = await check_ledger(session, fund_id=fund.id)
    assert cash == 0
    assert check.ok and check.balance_fen == 0 and check.entries == 21
