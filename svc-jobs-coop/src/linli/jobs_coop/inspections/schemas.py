"""Request and response shapes of quality inspections."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from linli.common.errors import InvalidValue
from linli.jobs_coop.text import Title

Count = Annotated[int, Strict(), Field(ge=0, le=10_000_000)]


class InspectionIn(BaseModel):
    """The check of one delivery: `accepted + rejected` may not exceed what was delivered;
    pieces neither accepted nor rejected go back to the member with the rejected ones."""

    model_config = ConfigDict(extra="forbid")

    accepted: Count
    rejected: Count = 0
    reasons: Annotated[list[Title], Field(max_length=10)] = Field(
        default=[], examples=[["扣头松动", "长度不足"]]
    )

    @model_validator(mode="after")
    def _reasons_for_rejects(self) -> Self:
        if self.rejected > 0 and not self.reasons:
            raise InvalidValue("rejected pieces need a reason", "不合格须注明原因")
        return self


class InspectionRead(BaseModel):
    id: uuid.UUID
    delivery_id: uuid.UUID
    task_id: uuid.UUID
    work_order_id: uuid.UUID
    member_id: uuid.UUID
    accepted: int
    rejected: int
    returned: int = Field(description="Pieces neither accepted nor rejected, back to the member")
    piece_rate_fen: int
    amount_fen: int = Field(description="accepted × piece rate")
    reasons: list[str]
    inspected_at: datetime
