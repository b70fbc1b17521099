"""Events of committees. A member is named by their seat's id and what they represent, never by
the account behind the seat."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from linli.funds.funds.events import FundEvent
from linli.funds.models import Represents


class CommitteeMemberAppointed(FundEvent):
    """A seat on the fund's committee was filled, for a term."""

    entity: ClassVar[str] = "committee_member"
    verb: ClassVar[str] = "appointed"

    type: Literal["cn.linli.funds.committee_member.appointed.v1"] = (
        "cn.linli.funds.committee_member.appointed.v1"
    )
    member_id: uuid.UUID
    represents: Represents
    term_start: date
    term_end: date


class CommitteeMemberTermChanged(FundEvent):
    """A member's term was cut short or extended."""

    entity: ClassVar[str] = "committee_member"
    verb: ClassVar[str] = "term_changed"

    type: Literal["cn.linli.funds.committee_member.term_changed.v1"] = (
        "cn.linli.funds.committee_member.term_changed.v1"
    )
    member_id: uuid.UUID
    term_start: date
    term_end: date
