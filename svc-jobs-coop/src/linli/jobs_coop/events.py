"""Everything svc-jobs-coop publishes, as one discriminated union on `type` (the event catalogue)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from linli.jobs_coop.enterprises.events import (
    AgreementSigned,
    EnterpriseAccountLinked,
    EnterpriseRegistered,
    FactoryManagerAssigned,
    MicroFactoryOpened,
)
from linli.jobs_coop.inspections.events import TaskCompleted, TaskInspected
from linli.jobs_coop.job_fairs.events import (
    FairEnterpriseJoined,
    FairMatched,
    FairOutcomeRecorded,
    FairRegistered,
    JobFairCreated,
)
from linli.jobs_coop.pool.events import WorkerEnrolled, WorkerUpdated, WorkerWithdrew
from linli.jobs_coop.settlement.events import AdjustmentRecorded, StatementIssued
from linli.jobs_coop.tasks.events import TaskClaimed, TaskDelivered, TaskPickedUp
from linli.jobs_coop.training.events import (
    AttendanceRecorded,
    CertificateIssued,
    CourseCreated,
    SessionScheduled,
    TraineeEnrolled,
)
from linli.jobs_coop.work_orders.events import (
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderPosted,
    WorkOrderSplit,
)

CoopEventUnion = Annotated[
    WorkerEnrolled
    | WorkerUpdated
    | WorkerWithdrew
    | EnterpriseRegistered
    | EnterpriseAccountLinked
    | AgreementSigned
    | MicroFactoryOpened
    | FactoryManagerAssigned
    | WorkOrderPosted
    | WorkOrderSplit
    | WorkOrderCompleted
    | WorkOrderCancelled
    | TaskClaimed
    | TaskPickedUp
    | TaskDelivered
    | TaskInspected
    | TaskCompleted
    | AdjustmentRecorded
    | StatementIssued
    | CourseCreated
    | SessionScheduled
    | TraineeEnrolled
    | AttendanceRecorded
    | CertificateIssued
    | JobFairCreated
    | FairEnterpriseJoined
    | FairRegistered
    | FairMatched
    | FairOutcomeRecorded,
    Field(discriminator="type"),
]

coop_event_adapter: TypeAdapter[CoopEventUnion] = TypeAdapter(CoopEventUnion)
"""Parses the `data` of any event of this service into its class (consumers, tests, docs)."""

__all__ = ["CoopEventUnion", "coop_event_adapter"]
