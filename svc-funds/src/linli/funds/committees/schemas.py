"""Request and response shapes of committees."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from linli.common.errors import InvalidValue
from linli.funds.models import CommitteeMember, Represents
from linli.funds.text import Subject, Title

DisplayName = Annotated[Title, StringConstraints(max_length=50)]


class MemberCreate(BaseModel):
    """A seat on the committee: the member's account (`subject`, as the gateway signs it), the
    name shown on the public pages, whom they represent, and their term (days included)."""

    model_config = ConfigDict(extra="forbid")

    subject: Subject = Field(description="The member's account subject; never shown publicly")
    display_name: DisplayName = Field(examples=["王阿姨（居民代表）"])
    represents: Represents
    term_start: date
    term_end: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.term_end < self.term_start:
            raise InvalidValue("term_end is before term_start", "任期结束日期早于开始日期")
        return self


class TermUpdate(BaseModel):
    """A new end of term: earlier to end a seat (from the day after), later to extend it."""

    model_config = ConfigDict(extra="forbid")

    term_end: date


class MemberRead(BaseModel):
    id: uuid.UUID
    fund_id: uuid.UUID
    display_name: str
    represents: Represents
    term_start: date
    term_end: date

    @classmethod
    def from_model(cls, member: CommitteeMember) -> MemberRead:
        return cls(
            id=member.id,
            fund_id=member.fund_id,
            display_name=member.display_name,
            represents=member.represents,
            term_start=member.term_start,
            term_end=member.term_end,
        )
