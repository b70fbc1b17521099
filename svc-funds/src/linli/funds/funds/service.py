"""Business rules of funds: who opens one, its accounts, its rules, and the ledger check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.pagination import Page
from linli.funds.access import MANAGE_ROLES, any_fund, managed_fund
from linli.funds.audit import service as audit
from linli.funds.funds.errors import FundNameTaken
from linli.funds.funds.events import FundCreated, FundRulesChanged, about
from linli.funds.funds.repository import FUND_ORDER, FundRepository
from linli.funds.funds.schemas import AccountCheck, FundCreate, FundRead, FundRules, LedgerCheck
from linli.funds.models import Account, AccountKind, Fund, FundKind


async def create_fund(
    session: AsyncSession, *, principal: Principal, fund_in: FundCreate
) -> FundRead:
    """Open a fund with its accounts (all at zero)."""
    principal.require_role(*MANAGE_ROLES)
    principal.require_scope(fund_in.division_code)
    fund = Fund(
        division_code=fund_in.division_code,
        kind=fund_in.kind,
        name=fund_in.name,
        quorum=fund_in.quorum,
        large_payment_fen=fund_in.large_payment_fen,
        large_quorum=fund_in.large_quorum,
        created_by=principal.subject,
    )
    if await insert_or_conflict(session, fund):
        raise FundNameTaken(f"{fund_in.division_code} has a fund named {fund_in.name!r}")
    session.add_all(Account(fund_id=fund.id, kind=kind, balance_fen=0) for kind in AccountKind)
    await session.flush()
    await audit.record(
        session,
        FundCreated(
            **about(fund),
            kind=fund.kind,
            name=fund.name,
            quorum=fund.quorum,
            large_payment_fen=fund.large_payment_fen,
            large_quorum=fund.large_quorum,
        ),
        subject_id=fund.id,
        actor=principal.subject,
    )
    return FundRead.from_model(fund, balance_fen=0)


async def change_rules(
    session: AsyncSession, *, principal: Principal, fund_id: uuid.UUID, rules_in: FundRules
) -> FundRead:
    fund = await managed_fund(session, principal, fund_id, for_update=True)
    fund.quorum = rules_in.quorum
    fund.large_payment_fen = rules_in.large_payment_fen
    fund.large_quorum = rules_in.large_quorum
    await session.flush()
    await audit.record(
        session,
        FundRulesChanged(
            **about(fund),
            quorum=fund.quorum,
            large_payment_fen=fund.large_payment_fen,
            large_quorum=fund.large_quorum,
        ),
        subject_id=fund.id,
        actor=principal.subject,
    )
    return await get_fund(session, fund_id=fund.id)


async def get_fund(session: AsyncSession, *, fund_id: uuid.UUID) -> FundRead:
    fund = await any_fund(session, fund_id)
    balances = await FundRepository(session).balances([fund.id])
    return FundRead.from_model(fund, balance_fen=balances[fund.id])


async def list_funds(
    session: AsyncSession,
    *,
    division: str | None,
    kind: FundKind | None,
    cursor: str | None,
    limit: int,
) -> Page[FundRead]:
    """Funds of a division (every fund without one): public, as the money is."""
    repository = FundRepository(session)
    funds = await repository.list(
        division_prefix=division, kind=kind, after=FUND_ORDER.decode(cursor), limit=limit
    )
    balances = await repository.balances([fund.id for fund in funds])
    return FUND_ORDER.page(
        funds,
        limit=limit,
        read=lambda fund: FundRead.from_model(fund, balance_fen=balances[fund.id]),
    )


async def check_ledger(session: AsyncSession, *, fund_id: uuid.UUID) -> LedgerCheck:
    """Recompute everything the fund shows from its ledger lines and compare."""
    fund = await any_fund(session, fund_id)
    repository = FundRepository(session)
    accounts = await repository.accounts(fund.id)
    sums, lines = await repository.ledger_sums(fund.id)
    totals = await repository.entry_totals(fund.id)
    checks = [
        AccountCheck(
            kind=account.kind,
            balance_fen=account.balance_fen,
            ledger_sum_fen=sums.get(account.id, 0),
            ok=account.balance_fen == sums.get(account.id, 0),
        )
        for account in accounts
    ]
    cash = next(account for account in accounts if account.kind is AccountKind.CASH)
    unbalanced = sorted(entry_id for entry_id, total in totals.items() if total != 0)
    return LedgerCheck(
        fund_id=fund.id,
        ok=all(check.ok for check in checks) and not unbalanced and cash.balance_fen >= 0,
        balance_fen=cash.balance_fen,
        entries=len(totals),
        lines=lines,
        accounts=checks,
        unbalanced_entries=unbalanced,
        checked_at=datetime.now(UTC),
    )
