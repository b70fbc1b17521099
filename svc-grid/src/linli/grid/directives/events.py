"""Events of directives: down on each community's subject, up from each community's own.

`directive.issued` travels once on the issuer's subject (`copy_on="issuer"`, with the list of
communities it went to: what a district's system files as "sent") and once on the subject of
every community it was sent to (`copy_on="community"`): a community's system subscribed to its
own subtree receives its directives without seeing its neighbours'. All copies share
`directive_id`; a subscriber holding both subjects counts a directive once by it.
`directive.amended` and `directive.withdrawn` travel the same way as `directive.issued`: once
on the issuer's subject and once on each target community's, so whoever received the directive
hears of its change.
Acknowledgements, completions, reminders and overdue notices are each one community's: they travel
on that community's subject, which every level above it already subscribes to.

Payloads carry ids, codes, times and counts; the title is officials' text, sent with any clear
phone or ID number masked; the body, notes, file names and the reason of a withdrawal never
leave the service (an amendment names the changed fields; the API has their values).
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


class _CopiedDown(_DirectiveEvent):
    """An event of the whole directive: one copy on the issuer's subject, one on each target's."""

    community_code: str | None = Field(  # type: ignore[assignment]
        default=None,
        description="The community this copy is for; null on the issuer's copy",
    )
    copy_on: Literal["issuer", "community"] = Field(
        description="Which subject this copy travels on: the issuer's or a target community's"
    )

    def division_code(self) -> str:
        if self.copy_on == "issuer" or self.community_code is None:
            return self.issuer_code
        return self.community_code


class DirectiveIssued(_CopiedDown):
    """A directive was issued: one copy on the issuer's subject, one on each target community's."""

    verb: ClassVar[str] = "issued"
    type: Literal["cn.linli.grid.directive.issued.v1"] = "cn.linli.grid.directive.issued.v1"
    issuer_level: Level
    title: str = Field(description="The title, any clear phone or ID number masked")
    target_count: int = Field(description="How many communities it was sent to")
    attachment_count: int
    communities: list[str] | None = Field(
        default=None, description="Every community it was sent to (the issuer's copy only)"
    )
    issued_at: datetime


class DirectiveAmended(_CopiedDown):
    """The issuer amended the directive (修改): copies as for `directive.issued`; `deadline` is
    the one now in force."""

    verb: ClassVar[str] = "amended"
    type: Literal["cn.linli.grid.directive.amended.v1"] = "cn.linli.grid.directive.amended.v1"
    revision: int = Field(description="The directive's revision after this amendment")
    fields: list[str] = Field(
        description="What changed, of title, body, deadline, remind_at (values through the API)"
    )
    title: str = Field(description="The title now, any clear phone or ID number masked")
    previous_deadline: datetime
    remind_at: datetime | None
    amended_at: datetime


class DirectiveWithdrawn(_CopiedDown):
    """The issuer withdrew the directive (撤回): no more reminders or overdue notices; copies as
    for `directive.issued`."""

    verb: ClassVar[str] = "withdrawn"
    type: Literal["cn.linli.grid.directive.withdrawn.v1"] = "cn.linli.grid.directive.withdrawn.v1"
    closed: int = Field(
        description="Communities closed as withdrawn before completing (on a community's copy: "
        "1 if it was, 0 if it had completed)"
    )
    withdrawn_at: datetime


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
    | DirectiveAmended
    | DirectiveWithdrawn
    | DirectiveAcknowledged
    | DirectiveCompleted
    | DirectiveReminderDue
    | DirectiveOverdue
)
