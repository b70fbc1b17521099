"""The aggregate queries behind the statistics, by division prefix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Label, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from linli.common.pagination import child_groups, plan_per_call, within_division
from linli.jobs_coop.models import (
    Adjustment,
    Inspection,
    Member,
    MemberStatus,
    OrderStatus,
    Task,
    TaskStatus,
    WorkOrder,
)

# The raw figures, each from one table: (its community code column, the figures, the rows it
# counts). `income_in_month_fen` is the work's income plus the adjustments.
_Figures = tuple[InstrumentedAttribute[str], list[Label[Any]], list[ColumnElement[bool]]]


def _figures(start: datetime, end: datetime) -> list[_Figures]:
    in_month = (Inspection.inspected_at >= start, Inspection.inspected_at < end)
    return [
        (
            Member.community_code,
            [func.count().label("members_in_pool")],
            [Member.status == MemberStatus.ACTIVE],
        ),
        (
            Task.community_code,
            [func.count(distinct(Task.member_id)).label("members_in_work")],
            [Task.status != TaskStatus.COMPLETED],
        ),
        (
            WorkOrder.community_code,
            [
                func.count().filter(WorkOrder.status == OrderStatus.OPEN).label("orders_open"),
                func.count()
                .filter(WorkOrder.status == OrderStatus.COMPLETED)
                .label("orders_completed"),
                func.count()
                .filter(
                    WorkOrder.status == OrderStatus.COMPLETED,
                    WorkOrder.updated_at >= start,
                    WorkOrder.updated_at < end,
                )
                .label("orders_completed_in_month"),
            ],
            [],
        ),
        (
            Inspection.community_code,
            [
                func.coalesce(func.sum(Inspection.accepted), 0).label("pieces_accepted_in_month"),
                func.coalesce(func.sum(Inspection.amount_fen), 0).label("work_fen"),
                func.count(distinct(Inspection.member_id)).label("earners_in_month"),
            ],
            list(in_month),
        ),
        (
            Adjustment.community_code,
            [func.coalesce(func.sum(Adjustment.amount_fen), 0).label("adjusted_fen")],
            [Adjustment.created_at >= start, Adjustment.created_at < end],
        ),
    ]


def _finish(raw: Mapping[str, int]) -> dict[str, int]:
    counts = {key: int(raw.get(key, 0)) for key in FIGURES if key != "income_in_month_fen"}
    counts["income_in_month_fen"] = int(raw.get("work_fen", 0)) + int(raw.get("adjusted_fen", 0))
    return counts


FIGURES = (
    "members_in_pool",
    "members_in_work",
    "orders_open",
    "orders_completed",
    "orders_completed_in_month",
    "pieces_accepted_in_month",
    "income_in_month_fen",
    "earners_in_month",
)


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self, prefix: str, start: datetime, end: datetime) -> dict[str, int]:
        # One prepared statement serves every level: plan each for its own prefix.
        await plan_per_call(self.session)
        raw: dict[str, int] = {}
        for column, figures, rows in _figures(start, end):
            found = await self.session.execute(
                select(*figures).where(within_division(column, prefix), *rows)
            )
            raw.update({key: int(n or 0) for key, n in found.one()._mapping.items()})
        return _finish(raw)

    async def counts_of_children(
        self, prefix: str, start: datetime, end: datetime
    ) -> dict[str, dict[str, int]]:
        """`counts` of every unit one level below `prefix` with rows in any of the tables, by
        its code: one grouped query per table, not one per unit."""
        await plan_per_call(self.session)
        raw: defaultdict[str, dict[str, int]] = defaultdict(dict)
        for column, figures, rows in _figures(start, end):
            groups = child_groups(column, prefix)
            if groups is None:
                return {}
            found = await self.session.execute(
                select(groups.key.label("code"), *figures)
                .where(groups.where, *rows)
                .group_by(groups.key)
            )
            for row in found.mappings():
                raw[row["code"]].update(
                    {key: int(n or 0) for key, n in row.items() if key != "code"}
                )
        return {code: _finish(figures) for code, figures in raw.items()}

    async def members_of(
        self, subjects: Sequence[str], prefix: str, start: datetime, end: datetime
    ) -> list[tuple[Member, int, int]]:
        """(member, open tasks, income in [start, end)) of the members with these accounts."""
        open_tasks = (
            select(func.count())
            .where(Task.member_id == Member.id, Task.status != TaskStatus.COMPLETED)
            .scalar_subquery()
        )
        income = (
            select(func.coalesce(func.sum(Inspection.amount_fen), 0))
            .where(
                Inspection.member_id == Member.id,
                Inspection.inspected_at >= start,
                Inspection.inspected_at < end,
            )
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Member, open_tasks, income)
            .where(
                Member.account_subject.in_(list(subjects)),
                within_division(Member.community_code, prefix),
            )
            .order_by(Member.id)
        )
        return [(member, int(n), int(fen)) for member, n, fen in rows.all()]
