"""Events of work orders: posted by an enterprise, split by the cooperative, completed, cancelled."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, ClassVar, Literal

from linli.jobs_coop.event_frame import CoopEvent
from linli.jobs_coop.models import WorkOrder


class WorkOrderEvent(CoopEvent):
    work_order_id: uuid.UUID
    enterprise_id: uuid.UUID


class WorkOrderPosted(WorkOrderEvent):
    """An enterprise posted piece-work."""

    entity: ClassVar[str] = "work_order"
    verb: ClassVar[str] = "posted"

    type: Literal["cn.linli.jobs-coop.work_order.posted.v1"] = (
        "cn.linli.jobs-coop.work_order.posted.v1"
    )
    item: str
    quantity: int
    piece_rate_fen: int
    deadline: date
    required_skill: str


class WorkOrderSplit(WorkOrderEvent):
    """The cooperative split the order into batches: it is open for claims and matching."""

    entity: ClassVar[str] = "work_order"
    verb: ClassVar[str] = "split"

    type: Literal["cn.linli.jobs-coop.work_order.split.v1"] = (
        "cn.linli.jobs-coop.work_order.split.v1"
    )
    batch_size: int
    batches: int


class WorkOrderCompleted(WorkOrderEvent):
    """Every piece of the order was accepted."""

    entity: ClassVar[str] = "work_order"
    verb: ClassVar[str] = "completed"

    type: Literal["cn.linli.jobs-coop.work_order.completed.v1"] = (
        "cn.linli.jobs-coop.work_order.completed.v1"
    )
    quantity: int
    amount_fen: int


class WorkOrderCancelled(WorkOrderEvent):
    """The enterprise withdrew the order before any piece was handed out."""

    entity: ClassVar[str] = "work_order"
    verb: ClassVar[str] = "cancelled"

    type: Literal["cn.linli.jobs-coop.work_order.cancelled.v1"] = (
        "cn.linli.jobs-coop.work_order.cancelled.v1"
    )


def about(order: WorkOrder) -> dict[str, Any]:
    """The fields every event of `order` carries."""
    return {
        "community_code": order.community_code,
        "work_order_id": order.id,
        "enterprise_id": order.enterprise_id,
    }
