"""Events of activities and clubs, on the activity's (or club's) community subject.

Payloads carry ids, counts and statuses, never a name: the resident is their registry id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from linli.common.events import DomainEvent


class _ActivityEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "activity"

    activity_id: uuid.UUID
    at: datetime


class ActivityPublished(_ActivityEvent):
    """A community activity was put up for sign-up."""

    verb: ClassVar[str] = "published"
    type: Literal["cn.linli.service-hall.activity.published.v1"] = (
        "cn.linli.service-hall.activity.published.v1"
    )
    capacity: int
    starts_at: datetime


class ActivitySignedUp(_ActivityEvent):
    """A resident signed up: a place (`confirmed`) or a place in the queue (`waiting`)."""

    verb: ClassVar[str] = "signed_up"
    type: Literal["cn.linli.service-hall.activity.signed_up.v1"] = (
        "cn.linli.service-hall.activity.signed_up.v1"
    )
    resident_id: uuid.UUID
    status: str
    confirmed_count: int
    waiting_count: int


class ActivityCancelled(_ActivityEvent):
    """A resident gave up their place (or their place in the queue)."""

    verb: ClassVar[str] = "cancelled"
    type: Literal["cn.linli.service-hall.activity.cancelled.v1"] = (
        "cn.linli.service-hall.activity.cancelled.v1"
    )
    resident_id: uuid.UUID
    was: str
    confirmed_count: int
    waiting_count: int


class ActivityPromoted(_ActivityEvent):
    """The first of the queue moved up into the place a cancellation freed."""

    verb: ClassVar[str] = "promoted"
    type: Literal["cn.linli.service-hall.activity.promoted.v1"] = (
        "cn.linli.service-hall.activity.promoted.v1"
    )
    resident_id: uuid.UUID
    confirmed_count: int
    waiting_count: int


class ActivityCheckedIn(_ActivityEvent):
    """A resident with a place arrived."""

    verb: ClassVar[str] = "checked_in"
    type: Literal["cn.linli.service-hall.activity.checked_in.v1"] = (
        "cn.linli.service-hall.activity.checked_in.v1"
    )
    resident_id: uuid.UUID


class ClubJoined(DomainEvent):
    """A resident joined a club."""

    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "club"
    verb: ClassVar[str] = "joined"
    type: Literal["cn.linli.service-hall.club.joined.v1"] = "cn.linli.service-hall.club.joined.v1"
    club_id: uuid.UUID
    resident_id: uuid.UUID
    member_count: int
    at: datetime


class ClubFounded(DomainEvent):
    """A community club was founded."""

    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "club"
    verb: ClassVar[str] = "founded"
    type: Literal["cn.linli.service-hall.club.founded.v1"] = "cn.linli.service-hall.club.founded.v1"
    club_id: uuid.UUID
    at: datetime


ActivityEvent = (
    ActivityPublished
    | ActivitySignedUp
    | ActivityCancelled
    | ActivityPromoted
    | ActivityCheckedIn
    | ClubFounded
    | ClubJoined
)
