"""Events of tasks: a batch claimed or matched, its material picked up, pieces delivered."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal

from linli.jobs_coop.event_frame import CoopEvent
from linli.jobs_coop.models import Task, TaskOrigin


class TaskEvent(CoopEvent):
    task_id: uuid.UUID
    work_order_id: uuid.UUID
    member_id: uuid.UUID


class TaskClaimed(TaskEvent):
    """A batch went to a member: claimed by them (接单) or matched to them by a coordinator."""

    entity: ClassVar[str] = "task"
    verb: ClassVar[str] = "claimed"

    type: Literal["cn.linli.jobs-coop.task.claimed.v1"] = "cn.linli.jobs-coop.task.claimed.v1"
    origin: TaskOrigin
    quantity: int
    quantity_left: int


class TaskPickedUp(TaskEvent):
    """The member picked up the batch's material."""

    entity: ClassVar[str] = "task"
    verb: ClassVar[str] = "picked_up"

    type: Literal["cn.linli.jobs-coop.task.picked_up.v1"] = "cn.linli.jobs-coop.task.picked_up.v1"


class TaskDelivered(TaskEvent):
    """Finished pieces were handed in (`rework` of them re-worked after a rejection)."""

    entity: ClassVar[str] = "task"
    verb: ClassVar[str] = "delivered"

    type: Literal["cn.linli.jobs-coop.task.delivered.v1"] = "cn.linli.jobs-coop.task.delivered.v1"
    delivery_id: uuid.UUID
    quantity: int
    rework: int


def about(task: Task) -> dict[str, Any]:
    return {
        "community_code": task.community_code,
        "task_id": task.id,
        "work_order_id": task.work_order_id,
        "member_id": task.member_id,
    }
