"""Events of quality inspections."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from linli.jobs_coop.tasks.events import TaskEvent


class TaskInspected(TaskEvent):
    """A delivery was checked: accepted pieces are paid (accepted × piece rate), rejected ones
    go back for re-work."""

    entity: ClassVar[str] = "task"
    verb: ClassVar[str] = "inspected"

    type: Literal["cn.linli.jobs-coop.task.inspected.v1"] = "cn.linli.jobs-coop.task.inspected.v1"
    inspection_id: uuid.UUID
    delivery_id: uuid.UUID
    accepted: int
    rejected: int
    returned: int
    amount_fen: int
    reasons: list[str]


class TaskCompleted(TaskEvent):
    """Every piece of the task was accepted."""

    entity: ClassVar[str] = "task"
    verb: ClassVar[str] = "completed"

    type: Literal["cn.linli.jobs-coop.task.completed.v1"] = "cn.linli.jobs-coop.task.completed.v1"
    quantity: int
