"""Events of directives: down on each community's subject, up from each community's own.

`directive.issued` travels once on the issuer's subject (`copy_on="issuer"`, with the list of
communities it went to: what a district's system files as "sent") and once on the subject of
every community it was sent to (`copy_on="community"`): a community's system subscribed to its
own subtree receives its directives without seeing its neighbours'. All copies share
`directive_id`; a subscriber holding both subjects counts a directive once by it.
Acknowledgements, completions, reminders and overdue notices are each one community's: they travel
on that community's subject, which every level above it already subscribes to.

Payloads carry ids, codes, times and counts; the title is officials' text, sent with any clear
phone or ID number masked; the body, notes and file names never leave the service.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.divisions import Level
from linli.common.events import DomainEvent


class _DirectiveEvent(DomainEvent):
    service: ClassVar[str] = "grid"
    entity: ClassVar[str] = "directive"

    directive_id: uuid.UUID
    issuer_code: str = Field(description="The issuing street, district or city (9, 6 or 4 digits)")
    deadline: datetime


class DirectiveIssued(_DirectiveEvent):
    """A directive was issued: one copy on the issuer's subject, one on each target community's."""

    verb: ClassVar[str] = "issued"
    type: Literal["cn.linli.grid.directive.issued.v1"] = "cn.linli.grid.directive.issued.v1"
    community_code: str | None = Field(  # type: ignore[assignment]
        default=None,
        description="The community this copy is for; null on the issuer's copy",
    )
    issuer_level: Level
    title: str = Field(description="The title, any clear phone or ID number masked")
    target_count: int = Field(description="How many communities it was sent to")
    attachment_count: int
    communities: list[str] | None = Field(
        default=None, description="Every community it was sent to (the issuer's copy only)"
    )
    copy_on: Literal["issuer", "community"] = Field(
        description="Which subject this copy travels on: the issuer's or a target community's"
    )
    issued_at: datetime

    def division_code(self) -> str:
        if self.copy_on == "issuer" or self.community_code is None:
            return self.issuer_code
        return self.community_code


class DirectiveAcknowledged(_DirectiveEvent):
    """A community signed for the directive (签收)."""

    verb: ClassVar[str] = "acknowledged"
    type: Literal["cn.linli.grid.directive.acknowledged.v1"] = (
        "cn.linli.grid.directive.acknowledged.v1"
    )
    acknowledged_at: datetime


class DirectiveCompleted(_DirectiveEvent):
    """A community reported the directive done, with a note and evidence files."""

    verb: ClassVar[str] = "completed"
    type: Literal["cn.linli.grid.directive.completed.v1"] = "cn.linli.grid.directive.completed.v1"
    completed_at: datetime
    evidence_count: int
    late: bool = Field(description="True when reported after the deadline")


class DirectiveReminderDue(_DirectiveEvent):
    """The reminder time came and this community has not completed the directive (a laggard)."""

    verb: ClassVar[str] = "reminder_due"
    type: Literal["cn.linli.grid.directive.reminder_due.v1"] = (
        "cn.linli.grid.directive.reminder_due.v1"
    )
    acknowledged: bool = Field(description="Whether it has at least signed for it")


class DirectiveOverdue(_DirectiveEvent):
    """The deadline passed and this community has not completed the directive."""

    verb: ClassVar[str] = "overdue"
    type: Literal["cn.linli.grid.directive.overdue.v1"] = "cn.linli.grid.directive.overdue.v1"
    acknowledged: bool = Field(description="Whether it has at least signed for it")


DirectiveEvent = (
    DirectiveIssued
    | DirectiveAcknowledged
    | DirectiveCompleted
    | DirectiveReminderDue
    | DirectiveOverdue
)
