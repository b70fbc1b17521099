"""Events of applications, one class per step, each on its community's subject.

Payloads carry ids, codes, states, dates and the actor's role: never a note, a file name or a
name (residents type notes freely, and a phone number in one must not leave the service). An
overdue application is published twice, on the community's subject and on the owning level's
(`copy_on` says which), so the supervisor's system sees it without subscribing to every community.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.divisions import Level
from linli.common.events import DomainEvent


class _ApplicationEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "application"

    application_id: uuid.UUID
    filing_id: uuid.UUID
    bundle_id: uuid.UUID | None
    item_id: uuid.UUID
    item_code: str
    item_version: int
    status: str = Field(description="The application's state after this step")
    actor_role: str = Field(description="Role of who took the step (`system` for the SLA timer)")
    due_on: date
    at: datetime


class ApplicationSubmitted(_ApplicationEvent):
    """An application was filed (online, at the counter, at home or through the grid worker)."""

    verb: ClassVar[str] = "submitted"
    type: Literal["cn.linli.service-hall.application.submitted.v1"] = (
        "cn.linli.service-hall.application.submitted.v1"
    )
    channel: str
    promised_working_days: int


class ApplicationAccepted(_ApplicationEvent):
    verb: ClassVar[str] = "accepted"
    type: Literal["cn.linli.service-hall.application.accepted.v1"] = (
        "cn.linli.service-hall.application.accepted.v1"
    )


class ApplicationStarted(_ApplicationEvent):
    verb: ClassVar[str] = "started"
    type: Literal["cn.linli.service-hall.application.started.v1"] = (
        "cn.linli.service-hall.application.started.v1"
    )


class ApplicationCompleted(_ApplicationEvent):
    verb: ClassVar[str] = "completed"
    type: Literal["cn.linli.service-hall.application.completed.v1"] = (
        "cn.linli.service-hall.application.completed.v1"
    )
    working_days_used: int


class ApplicationRejected(_ApplicationEvent):
    verb: ClassVar[str] = "rejected"
    type: Literal["cn.linli.service-hall.application.rejected.v1"] = (
        "cn.linli.service-hall.application.rejected.v1"
    )


class ApplicationReturned(_ApplicationEvent):
    """Returned for materials: the clock pauses until the applicant resubmits."""

    verb: ClassVar[str] = "returned"
    type: Literal["cn.linli.service-hall.application.returned.v1"] = (
        "cn.linli.service-hall.application.returned.v1"
    )
    materials: list[str] = Field(description="Codes of the materials asked for")


class ApplicationResubmitted(_ApplicationEvent):
    """The applicant uploaded what was asked: the clock runs again, the due date moved."""

    verb: ClassVar[str] = "resubmitted"
    type: Literal["cn.linli.service-hall.application.resubmitted.v1"] = (
        "cn.linli.service-hall.application.resubmitted.v1"
    )
    working_days_paused: int


class ApplicationOverdue(_ApplicationEvent):
    """Past its due date undecided: escalated to the owning level's supervisor, once."""

    verb: ClassVar[str] = "overdue"
    type: Literal["cn.linli.service-hall.application.overdue.v1"] = (
        "cn.linli.service-hall.application.overdue.v1"
    )
    supervisor_level: Level
    supervisor_division: str = Field(description="The owning division, whose level supervises")
    copy_on: Literal["community", "supervisor"]

    def division_code(self) -> str:
        return self.community_code if self.copy_on == "community" else self.supervisor_division


ApplicationEvent = (
    ApplicationSubmitted
    | ApplicationAccepted
    | ApplicationStarted
    | ApplicationCompleted
    | ApplicationRejected
    | ApplicationReturned
    | ApplicationResubmitted
    | ApplicationOverdue
)
