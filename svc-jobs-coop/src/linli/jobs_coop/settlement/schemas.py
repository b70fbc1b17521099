"""Request and response shapes of settlement."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.jobs_coop.models import StatementKind
from linli.jobs_coop.text import Title

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def parse_month(value: object) -> date:
    """`2026-11` → 2026-11-01 (a statement month is named by its first day)."""
    match = _MONTH.fullmatch(value) if isinstance(value, str) and len(value) == 7 else None
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2999:
        raise InvalidValue("a month as YYYY-MM, e.g. 2026-11", "月份格式应为 YYYY-MM，如 2026-11")
    return date(int(match.group(1)), int(match.group(2)), 1)


Month = Annotated[
    date,
    BeforeValidator(parse_month),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "examples": ["2026-11"]}),
]


class RunIn(BaseModel):
    """Issue a community's statements of a month: every inspection and adjustment of the
    community not settled yet, up to the month's end (Asia/Shanghai)."""

    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr
    month: Month


class AdjustmentIn(BaseModel):
    """A correction (+ pays more, − claws back), never an edit of an issued statement."""

    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID
    work_order_id: uuid.UUID
    amount_fen: Annotated[int, Strict(), Field(ge=-10_000_000, le=10_000_000)]
    reason: Title = Field(examples=["11月质检误判 20 件，补发"])
    corrects_statement_id: uuid.UUID | None = None


class AdjustmentRead(BaseModel):
    id: uuid.UUID
    community_code: str
    member_id: uuid.UUID
    work_order_id: uuid.UUID
    enterprise_id: uuid.UUID
    amount_fen: int
    reason: str
    corrects_statement_id: uuid.UUID | None
    created_at: datetime


class LineRead(BaseModel):
    work_order_id: uuid.UUID
    inspection_id: uuid.UUID | None
    adjustment_id: uuid.UUID | None
    accepted: int
    piece_rate_fen: int
    amount_fen: int = Field(description="accepted × piece rate, or the adjustment's amount")


class StatementRead(BaseModel):
    id: uuid.UUID
    run_id: uuid.UUID
    community_code: str
    month: date
    kind: StatementKind
    member_id: uuid.UUID | None
    enterprise_id: uuid.UUID | None
    accepted: int
    total_fen: int
    created_at: datetime
    lines: list[LineRead] | None = Field(default=None, description="On a single statement's read")


class RunRead(BaseModel):
    """One issue of a month's statements. `balanced`: the workers' statements and the
    enterprises' add up to the same fen, and to `total_fen`."""

    id: uuid.UUID
    community_code: str
    month: date
    total_fen: int
    workers_total_fen: int
    enterprises_total_fen: int
    balanced: bool
    statements: list[StatementRead]
