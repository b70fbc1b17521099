"""Request and response shapes of work orders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from linli.jobs_coop.models import OrderStatus, WorkMode
from linli.jobs_coop.text import Note, Place, Skill, Title

# Integers only: a fraction of a fen or a rate of 0 is refused (JSON 1.5 is not an int here).
PieceRateFen = Annotated[int, Strict(), Field(gt=0, le=10_000_000)]
Quantity = Annotated[int, Strict(), Field(gt=0, le=10_000_000)]


class WorkOrderCreate(BaseModel):
    """Piece-work to post: item, how many, the piece rate in integer fen, when it is due, the
    skill and level it needs, where the material is picked up, and the quality standard."""

    model_config = ConfigDict(extra="forbid")

    item: Title = Field(examples=["串珠手链（蓝色款）"])
    quantity: Quantity = Field(examples=[6000])
    piece_rate_fen: PieceRateFen = Field(examples=[35], description="Pay per accepted piece, fen")
    deadline: date
    required_skill: Skill = Field(examples=["beading"])
    min_level: Annotated[int, Strict(), Field(ge=1, le=5)] = 1
    work_mode: WorkMode = WorkMode.HOME
    pickup_site: Place = Field(examples=["东冠社区邻里中心二楼"])
    factory_id: uuid.UUID | None = None
    quality_standard: Note = Field(examples=["珠子无松动，扣头牢固，长度 18±0.5 cm"])


class SplitIn(BaseModel):
    """The batch a claim or a match hands out by default (a claim may ask for less)."""

    model_config = ConfigDict(extra="forbid")

    batch_size: Quantity = Field(examples=[200])


class Progress(BaseModel):
    handed_out: int = Field(description="Pieces in members' hands or delivered")
    delivered: int
    accepted: int
    rejected: int
    tasks: int
    amount_fen: int = Field(description="accepted × piece rate so far")


class WorkOrderRead(BaseModel):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    community_code: str
    item: str
    quantity: int
    quantity_left: int = Field(description="Pieces nobody has claimed yet")
    piece_rate_fen: int
    deadline: date
    required_skill: str
    min_level: int
    work_mode: WorkMode
    pickup_site: str
    factory_id: uuid.UUID | None
    quality_standard: str
    batch_size: int | None
    status: OrderStatus
    progress: Progress
    created_at: datetime
