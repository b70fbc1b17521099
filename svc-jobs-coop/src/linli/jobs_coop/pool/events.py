"""Events of the labour pool: a member enrolled, changed their profile or left."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from linli.jobs_coop.event_frame import CoopEvent
from linli.jobs_coop.models import EnrolledBy, WorkMode


class WorkerEnrolled(CoopEvent):
    """A resident joined the labour pool (themselves, or by a worker after the 摸排 survey)."""

    entity: ClassVar[str] = "worker"
    verb: ClassVar[str] = "enrolled"

    type: Literal["cn.linli.jobs-coop.worker.enrolled.v1"] = "cn.linli.jobs-coop.worker.enrolled.v1"
    member_id: uuid.UUID
    name_masked: str
    enrolled_by: EnrolledBy
    work_mode: WorkMode
    skills: list[str]


class WorkerUpdated(CoopEvent):
    """A member's profile changed; `fields` names what (skills, availability, sharing …)."""

    entity: ClassVar[str] = "worker"
    verb: ClassVar[str] = "updated"

    type: Literal["cn.linli.jobs-coop.worker.updated.v1"] = "cn.linli.jobs-coop.worker.updated.v1"
    member_id: uuid.UUID
    fields: list[str]


class WorkerWithdrew(CoopEvent):
    """A member left the pool; their history stays."""

    entity: ClassVar[str] = "worker"
    verb: ClassVar[str] = "withdrew"

    type: Literal["cn.linli.jobs-coop.worker.withdrew.v1"] = "cn.linli.jobs-coop.worker.withdrew.v1"
    member_id: uuid.UUID
