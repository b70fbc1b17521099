"""Business rules of settlement (结算).

Pay is what inspections accepted: accepted × piece rate, in integer fen, fixed at inspection.
A month's issue takes every inspection and adjustment of the community not settled yet, up to
the month's end (Asia/Shanghai), and writes each as one line on the worker's statement and one
on the enterprise's; each source is settled once per side (unique constraints), so the workers'
statements and the enterprises' add up to each other, to the fen. Issued statements are
immutable (the database refuses UPDATE and DELETE); a correction is an adjustment, settled in
the next issue.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.errors import Forbidden, InvalidInput
from linli.common.events import DomainEvent
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.jobs_coop import clock
from linli.jobs_coop.access import enterprise_of, is_coordinator, member_of, require_coordinator
from linli.jobs_coop.models import (
    Adjustment,
    Statement,
    StatementKind,
    StatementLine,
    StatementRun,
    WorkOrder,
)
from linli.jobs_coop.pool.errors import MemberNotFound
from linli.jobs_coop.pool.repository import MemberRepository
from linli.jobs_coop.settlement.errors import (
    AlreadyIssued,
    MonthNotStarted,
    NoWorkOnOrder,
    StatementImmutable,
    StatementNotFound,
)
from linli.jobs_coop.settlement.events import AdjustmentRecorded, StatementIssued
from linli.jobs_coop.settlement.repository import STATEMENT_ORDER, SettlementRepository
from linli.jobs_coop.settlement.schemas import (
    AdjustmentIn,
    AdjustmentRead,
    LineRead,
    RunIn,
    RunRead,
    StatementRead,
)
from linli.jobs_coop.work_orders.errors import WorkOrderNotFound


@dataclass(slots=True)
class _Draft:
    """A statement being put together: its lines, accepted pieces and total."""

    lines: list[StatementLine] = field(default_factory=list)
    accepted: int = 0
    total_fen: int = 0

    def add(self, line: StatementLine) -> None:
        self.lines.append(line)
        self.accepted += line.accepted
        self.total_fen += line.amount_fen


def _pair(
    *,
    inspection_id: uuid.UUID | None,
    adjustment_id: uuid.UUID | None,
    work_order_id: uuid.UUID,
    accepted: int,
    piece_rate_fen: int,
    amount_fen: int,
) -> tuple[StatementLine, StatementLine]:
    """The same source as a worker's line and an enterprise's."""
    return tuple(  # type: ignore[return-value]
        StatementLine(
            kind=kind,
            inspection_id=inspection_id,
            adjustment_id=adjustment_id,
            work_order_id=work_order_id,
            accepted=accepted,
            piece_rate_fen=piece_rate_fen,
            amount_fen=amount_fen,
        )
        for kind in (StatementKind.WORKER, StatementKind.ENTERPRISE)
    )


async def issue(session: AsyncSession, *, principal: Principal, run_in: RunIn) -> RunRead:
    """Issue the community's statements of a month, once."""
    require_coordinator(principal)
    principal.require_scope(run_in.community_code)
    month = run_in.month
    start, end = clock.month_bounds(month)
    if start > clock.now():
        raise MonthNotStarted(f"{month:%Y-%m} has not begun")
    repository = SettlementRepository(session)
    await repository.lock_community(run_in.community_code)
    if await repository.run_of(run_in.community_code, month) is not None:
        raise AlreadyIssued(f"{run_in.community_code}'s statements of {month:%Y-%m} were issued")
    workers: dict[uuid.UUID, _Draft] = defaultdict(_Draft)
    enterprises: dict[uuid.UUID, _Draft] = defaultdict(_Draft)
    for inspection in await repository.unsettled_inspections(run_in.community_code, end):
        worker_line, enterprise_line = _pair(
            inspection_id=inspection.id,
            adjustment_id=None,
            work_order_id=inspection.work_order_id,
            accepted=inspection.accepted,
            piece_rate_fen=inspection.piece_rate_fen,
            amount_fen=inspection.accepted * inspection.piece_rate_fen,
        )
        workers[inspection.member_id].add(worker_line)
        enterprises[inspection.enterprise_id].add(enterprise_line)
    for adjustment in await repository.unsettled_adjustments(run_in.community_code, end):
        worker_line, enterprise_line = _pair(
            inspection_id=None,
            adjustment_id=adjustment.id,
            work_order_id=adjustment.work_order_id,
            accepted=0,
            piece_rate_fen=0,
            amount_fen=adjustment.amount_fen,
        )
        workers[adjustment.member_id].add(worker_line)
        enterprises[adjustment.enterprise_id].add(enterprise_line)
    total = sum(d.total_fen for d in workers.values())
    # Every source went to both sides, so this holds by construction; checked all the same,
    # as nothing issued can be corrected in place.
    assert total == sum(d.total_fen for d in enterprises.values())
    run = StatementRun(
        community_code=run_in.community_code,
        month=month,
        total_fen=total,
        issued_by=principal.subject,
    )
    if await insert_or_conflict(session, run):
        raise AlreadyIssued(f"{run_in.community_code}'s statements of {month:%Y-%m} were issued")
    events: list[tuple[DomainEvent, uuid.UUID]] = []
    statements: list[Statement] = []
    for kind, drafts in ((StatementKind.WORKER, workers), (StatementKind.ENTERPRISE, enterprises)):
        for party, draft in sorted(drafts.items()):
            statement = Statement(
                id=new_id(),
                run_id=run.id,
                community_code=run.community_code,
                month=month,
                kind=kind,
                member_id=party if kind is StatementKind.WORKER else None,
                enterprise_id=party if kind is StatementKind.ENTERPRISE else None,
                accepted=draft.accepted,
                total_fen=draft.total_fen,
            )
            statements.append(statement)
            for line in draft.lines:
                line.statement_id = statement.id
    session.add_all(statements)
    await session.flush()
    session.add_all(
        line for drafts in (workers, enterprises) for d in drafts.values() for line in d.lines
    )
    await session.flush()
    for statement in statements:
        events.append(
            (
                StatementIssued(
                    community_code=statement.community_code,
                    statement_id=statement.id,
                    run_id=run.id,
                    month=month,
                    kind=statement.kind,
                    member_id=statement.member_id,
                    enterprise_id=statement.enterprise_id,
                    accepted=statement.accepted,
                    total_fen=statement.total_fen,
                ),
                statement.id,
            )
        )
    await events_of(session).record_many(events)
    return _run_read(run, statements)


async def get_run(session: AsyncSession, *, principal: Principal, run_id: uuid.UUID) -> RunRead:
    require_coordinator(principal)
    repository = SettlementRepository(session)
    run = await repository.run(run_id)
    if run is None or not principal.covers(run.community_code):
        raise StatementNotFound()
    return _run_read(run, list(await repository.statements_of_run(run.id)))


async def visible_statement(
    session: AsyncSession, principal: Principal, statement_id: uuid.UUID
) -> Statement:
    statement = await SettlementRepository(session).statement(statement_id)
    if statement is None:
        raise StatementNotFound()
    if is_coordinator(principal) and principal.covers(statement.community_code):
        return statement
    member = await member_of(session, principal)
    if member is not None and member.id == statement.member_id:
        return statement
    enterprise = await enterprise_of(session, principal)
    if enterprise is not None and enterprise.id == statement.enterprise_id:
        return statement
    raise StatementNotFound()


async def get_statement(
    session: AsyncSession, *, principal: Principal, statement_id: uuid.UUID
) -> StatementRead:
    statement = await visible_statement(session, principal, statement_id)
    lines = await SettlementRepository(session).lines(statement.id)
    return _statement_read(statement, lines=[_line_read(line) for line in lines])


async def refuse_edit(
    session: AsyncSession, *, principal: Principal, statement_id: uuid.UUID
) -> None:
    """Any change of an issued statement: refused, whoever asks."""
    await visible_statement(session, principal, statement_id)
    raise StatementImmutable(
        "an issued statement is never changed; record an adjustment (POST /adjustments)"
    )


async def list_statements(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    month: date | None,
    kind: StatementKind | None,
    cursor: str | None,
    limit: int,
) -> Page[StatementRead]:
    """Staff: their scope's; a worker: their own; an enterprise: its own."""
    member_id = enterprise_id = None
    enterprise = await enterprise_of(session, principal)
    if enterprise is not None:
        scope, enterprise_id, kind = (
            enterprise.community_code,
            enterprise.id,
            StatementKind.ENTERPRISE,
        )
    elif is_coordinator(principal):
        scope = principal.scope
    else:
        member = await member_of(session, principal)
        if member is None:
            raise Forbidden("only staff, enterprises and pool members read statements")
        scope, member_id, kind = member.community_code, member.id, StatementKind.WORKER
    prefix = division or scope
    if not prefix.startswith(scope):
        raise Forbidden(f"division {prefix} lies outside your reach {scope}")
    rows = await SettlementRepository(session).find(
        division_prefix=prefix,
        month=month,
        kind=kind,
        member_id=member_id,
        enterprise_id=enterprise_id,
        after=STATEMENT_ORDER.decode(cursor),
        limit=limit,
    )
    return STATEMENT_ORDER.page(rows, limit=limit, read=_statement_read)


async def record_adjustment(
    session: AsyncSession, *, principal: Principal, adjustment_in: AdjustmentIn
) -> AdjustmentRead:
    require_coordinator(principal)
    member = await MemberRepository(session).get(adjustment_in.member_id)
    if member is None or not principal.covers(member.community_code):
        raise MemberNotFound()
    order = await session.get(WorkOrder, adjustment_in.work_order_id)
    if order is None or order.community_code != member.community_code:
        raise WorkOrderNotFound()
    repository = SettlementRepository(session)
    if not await repository.worked_on(member.id, order.id):
        raise NoWorkOnOrder()
    if adjustment_in.amount_fen == 0:
        raise InvalidInput("an adjustment of 0 fen corrects nothing")
    if adjustment_in.corrects_statement_id is not None:
        corrected = await repository.statement(adjustment_in.corrects_statement_id)
        if corrected is None or corrected.community_code != member.community_code:
            raise StatementNotFound("the statement it corrects is not there")
    adjustment = Adjustment(
        community_code=member.community_code,
        member_id=member.id,
        work_order_id=order.id,
        enterprise_id=order.enterprise_id,
        amount_fen=adjustment_in.amount_fen,
        reason=adjustment_in.reason,
        corrects_statement_id=adjustment_in.corrects_statement_id,
        recorded_by=principal.subject,
    )
    session.add(adjustment)
    await session.flush()
    await events_of(session).record(
        AdjustmentRecorded(
            community_code=adjustment.community_code,
            adjustment_id=adjustment.id,
            member_id=member.id,
            work_order_id=order.id,
            enterprise_id=order.enterprise_id,
            amount_fen=adjustment.amount_fen,
            corrects_statement_id=adjustment.corrects_statement_id,
        ),
        subject_id=adjustment.id,
    )
    return AdjustmentRead(
        id=adjustment.id,
        community_code=adjustment.community_code,
        member_id=adjustment.member_id,
        work_order_id=adjustment.work_order_id,
        enterprise_id=adjustment.enterprise_id,
        amount_fen=adjustment.amount_fen,
        reason=adjustment.reason,
        corrects_statement_id=adjustment.corrects_statement_id,
        created_at=adjustment.created_at,
    )


def _line_read(line: StatementLine) -> LineRead:
    return LineRead(
        work_order_id=line.work_order_id,
        inspection_id=line.inspection_id,
        adjustment_id=line.adjustment_id,
        accepted=line.accepted,
        piece_rate_fen=line.piece_rate_fen,
        amount_fen=line.amount_fen,
    )


def _statement_read(statement: Statement, lines: list[LineRead] | None = None) -> StatementRead:
    return StatementRead(
        id=statement.id,
        run_id=statement.run_id,
        community_code=statement.community_code,
        month=statement.month,
        kind=statement.kind,
        member_id=statement.member_id,
        enterprise_id=statement.enterprise_id,
        accepted=statement.accepted,
        total_fen=statement.total_fen,
        created_at=statement.created_at,
        lines=lines,
    )


def _run_read(run: StatementRun, statements: list[Statement]) -> RunRead:
    workers = sum(s.total_fen for s in statements if s.kind is StatementKind.WORKER)
    enterprises = sum(s.total_fen for s in statements if s.kind is StatementKind.ENTERPRISE)
    return RunRead(
        id=run.id,
        community_code=run.community_code,
        month=run.month,
        total_fen=run.total_fen,
        workers_total_fen=workers,
        enterprises_total_fen=enterprises,
        balanced=workers == enterprises == run.total_fen,
        statements=[_statement_read(s) for s in statements],
    )
