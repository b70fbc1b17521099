"""Request and response bodies of directives: issue, amend, withdraw, answer, the status board."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from linli.common.divisions import CommunityCodeStr, Level
from linli.common.inputs import NulCharacter, contains_nul


def _nul_free(value: str) -> str:
    if contains_nul(value):
        raise NulCharacter()
    return value


# Multipart bodies are not covered by the kernel's NUL refusal: these types refuse it. The
# constraints come first: after a validator pydantic would strip but no longer count.
_NulFree = AfterValidator(_nul_free)
DirectiveTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _NulFree
]
DirectiveBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), _NulFree
]
CompletionNote = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), _NulFree
]
WithdrawalReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), _NulFree
]
# A city's directive reaches every community of the city: a few thousand at most.
MAX_TARGETS = 5000


class DirectiveCreate(BaseModel):
    """A directive to issue, from the caller's own unit (their scope: a street, district or city)."""

    model_config = ConfigDict(extra="forbid")

    title: DirectiveTitle
    body: DirectiveBody
    deadline: AwareDatetime = Field(description="When every community must have completed it")
    communities: list[CommunityCodeStr] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TARGETS,
        description="The communities to send it to, each below the issuer; omitted: every "
        "community below the issuer that the grid knows (its places and roster), snapshotted now",
    )
    remind_before_hours: int = Field(
        default=24,
        ge=1,
        le=30 * 24,
        description="Laggards are reminded this long before the deadline (or half-way there "
        "when the deadline is closer than that)",
    )


class DirectiveUpdate(BaseModel):
    """An amendment (修改) by the issuing unit: the fields to change, and the revision read.

    Fields left out stay as they are. `remind_at: null` drops the reminder; title, body and
    deadline cannot be null. A changed deadline without `remind_at` keeps the reminder as long
    before the new deadline as it was before the old one (half-way there when that has passed).
    """

    model_config = ConfigDict(extra="forbid")

    revision: int = Field(
        ge=0,
        le=2**31 - 1,
        description="The directive's `revision` this amendment was written against; another "
        "amendment in between answers 409 `directive-revision-mismatch`",
    )
    title: DirectiveTitle | None = None
    body: DirectiveBody | None = None
    deadline: AwareDatetime | None = Field(
        default=None, description="A new deadline: in the future, after the reminder"
    )
    remind_at: AwareDatetime | None = Field(
        default=None, description="A new reminder time: in the future, before the deadline"
    )


class DirectiveWithdrawal(BaseModel):
    """A withdrawal (撤回) by the issuing unit, and why."""

    model_config = ConfigDict(extra="forbid")

    reason: WithdrawalReason = Field(description="Why it is withdrawn (500 characters)")


class RevisionRead(BaseModel):
    """One amendment: who made it, when, and the changed fields' values before and after."""

    model_config = ConfigDict(from_attributes=True)

    revision: int = Field(description="The directive's revision this amendment made (1, 2, …)")
    amended_at: datetime
    amended_by_subject: str
    amended_by_role: str
    fields: list[str] = Field(description="The changed fields, in the order of `old_values`")
    old_values: dict[str, str | None]
    new_values: dict[str, str | None]


class FileRead(BaseModel):
    """An attachment or evidence file: `GET /directives/{id}/files/{file_id}` serves it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str | None = Field(description="Null for the issuer's attachments")
    name: str
    content_type: str
    size_bytes: int
    created_at: datetime


UnitState = Literal["not_acknowledged", "acknowledged", "completed", "withdrawn"]


class UnitRead(BaseModel):
    """Where one community stands with the directive."""

    community_code: str
    street_code: str
    state: UnitState = Field(
        description="`withdrawn`: the directive was withdrawn before this community completed it"
    )
    acknowledged_at: datetime | None
    completed_at: datetime | None
    completion_note: str | None
    overdue: bool = Field(
        description="The deadline has passed and it is neither completed nor withdrawn"
    )
    late: bool = Field(description="Completed, but after the deadline")


class DirectiveRead(BaseModel):
    """A directive as everyone who may see it reads it."""

    id: uuid.UUID
    issuer_code: str
    issuer_level: Level
    title: str
    body: str
    deadline: datetime
    remind_at: datetime | None
    target_count: int
    issued_at: datetime
    revision: int = Field(description="How many times it was amended (0: as issued)")
    amended_at: datetime | None = Field(description="The last amendment, if any")
    withdrawn_at: datetime | None = Field(description="When its issuer withdrew it, if so")
    withdrawal_reason: str | None


class Tally(BaseModel):
    """Counts of the communities a row covers (all of them, or one street's)."""

    targets: int
    acknowledged: int
    not_acknowledged: int = Field(description="Neither acknowledged nor withdrawn")
    completed: int
    not_completed: int = Field(description="Neither completed nor withdrawn")
    withdrawn: int = Field(description="Closed by the withdrawal before completing")
    overdue: int


class StreetTally(Tally):
    street_code: str


class DirectiveDetail(DirectiveRead):
    attachments: list[FileRead]
    units: list[UnitRead] = Field(
        description="The communities of the caller's scope it was sent to, with their evidence "
        "in `evidence`"
    )
    evidence: list[FileRead]


class InboxItem(DirectiveRead):
    """A directive in a community's inbox, with where that community stands."""

    unit: UnitRead


class IssuedItem(DirectiveRead):
    """A directive in its issuer's list, with its tally at this moment."""

    tally: Tally


class DirectiveStatus(BaseModel):
    """Who has not acknowledged, not completed, or is overdue, now; only the communities of the
    caller's scope (a street admin sees their own street's rows, the issuer sees all)."""

    directive_id: uuid.UUID
    deadline: datetime
    as_of: datetime
    total: Tally
    streets: list[StreetTally] = Field(description="The same counts per street, by code")
    not_acknowledged: list[str]
    not_completed: list[str]
    overdue: list[str]
    withdrawn: list[str]
    units: list[UnitRead]
