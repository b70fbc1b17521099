"""The cooperative's statistics of a division."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class CoopFigures(BaseModel):
    """Counted from live rows at the time of the call, for any level (city 4 … community 12)."""

    division: str
    month: date = Field(description="First day of the month the income figures cover")
    members_in_pool: int = Field(description="Active members of the labour pool")
    members_in_work: int = Field(description="Members holding an unfinished task now")
    orders_open: int
    orders_completed: int = Field(description="All time")
    orders_completed_in_month: int
    pieces_accepted_in_month: int
    earners_in_month: int = Field(description="Members with accepted work in the month")
    income_in_month_fen: int = Field(description="Accepted × rate, plus adjustments, in the month")
    income_per_earner_fen: int = Field(description="income_in_month_fen ÷ earners (floor)")


class CoopStats(CoopFigures):
    """A division's figures and, with `children=true`, the same for the units one level below."""

    children: list[CoopFigures] | None = Field(
        default=None,
        description="With `children=true` only: the figures of each unit one level below "
        "`division` that has members, tasks, orders, inspections or adjustments, in code order. "
        "The cooperative keeps no division tree, so a unit with none is left out: its figures "
        "are all zero.",
    )


class MemberFacts(BaseModel):
    """One pool member as staff see them before a visit: no phone, no address."""

    id: uuid.UUID
    community_code: str
    status: str = Field(examples=["active"])
    work_mode: str
    tasks_open: int = Field(description="Tasks claimed or assigned and not finished")
    income_in_month_fen: int = Field(description="Accepted × rate this month (Shanghai)")


class MembersOfSubjects(BaseModel):
    """The pool memberships of the given login subjects, within the caller's scope."""

    month: date
    members: list[MemberFacts]
