"""Events of settlement: adjustments recorded, statements issued."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from linli.jobs_coop.event_frame import CoopEvent
from linli.jobs_coop.models import StatementKind


class AdjustmentRecorded(CoopEvent):
    """A correction of pay (±fen) for work on an order, settled in the next statement issued."""

    entity: ClassVar[str] = "adjustment"
    verb: ClassVar[str] = "recorded"

    type: Literal["cn.linli.jobs-coop.adjustment.recorded.v1"] = (
        "cn.linli.jobs-coop.adjustment.recorded.v1"
    )
    adjustment_id: uuid.UUID
    member_id: uuid.UUID
    work_order_id: uuid.UUID
    enterprise_id: uuid.UUID
    amount_fen: int
    corrects_statement_id: uuid.UUID | None


class StatementIssued(CoopEvent):
    """A monthly statement of a worker (pay) or an enterprise (bill) was issued, immutable."""

    entity: ClassVar[str] = "statement"
    verb: ClassVar[str] = "issued"

    type: Literal["cn.linli.jobs-coop.statement.issued.v1"] = (
        "cn.linli.jobs-coop.statement.issued.v1"
    )
    statement_id: uuid.UUID
    run_id: uuid.UUID
    month: date
    kind: StatementKind
    member_id: uuid.UUID | None
    enterprise_id: uuid.UUID | None
    accepted: int
    total_fen: int
