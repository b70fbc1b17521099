"""Events of volunteering, on the community's subject. Volunteers are registry ids, never names."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from linli.common.events import DomainEvent


class _VolunteerEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "volunteer"

    at: datetime


class OrganisationFounded(_VolunteerEvent):
    """A social organisation or a volunteer team was registered with the community."""

    verb: ClassVar[str] = "organisation_founded"
    type: Literal["cn.linli.service-hall.volunteer.organisation_founded.v1"] = (
        "cn.linli.service-hall.volunteer.organisation_founded.v1"
    )
    organisation_id: uuid.UUID
    kind: str


class OrganisationJoined(_VolunteerEvent):
    """A resident joined an organisation (as a member or a leader)."""

    verb: ClassVar[str] = "organisation_joined"
    type: Literal["cn.linli.service-hall.volunteer.organisation_joined.v1"] = (
        "cn.linli.service-hall.volunteer.organisation_joined.v1"
    )
    organisation_id: uuid.UUID
    resident_id: uuid.UUID
    role: str


class VolunteerActivityPublished(_VolunteerEvent):
    """A volunteer activity was put up for sign-up."""

    verb: ClassVar[str] = "activity_published"
    type: Literal["cn.linli.service-hall.volunteer.activity_published.v1"] = (
        "cn.linli.service-hall.volunteer.activity_published.v1"
    )
    activity_id: uuid.UUID
    organisation_id: uuid.UUID | None
    capacity: int
    starts_at: datetime


class VolunteerSignedUp(_VolunteerEvent):
    """A volunteer signed up for an activity."""

    verb: ClassVar[str] = "signed_up"
    type: Literal["cn.linli.service-hall.volunteer.signed_up.v1"] = (
        "cn.linli.service-hall.volunteer.signed_up.v1"
    )
    activity_id: uuid.UUID
    resident_id: uuid.UUID
    signed_up_count: int


class VolunteerCheckedIn(_VolunteerEvent):
    """A volunteer began their service at the activity."""

    verb: ClassVar[str] = "checked_in"
    type: Literal["cn.linli.service-hall.volunteer.checked_in.v1"] = (
        "cn.linli.service-hall.volunteer.checked_in.v1"
    )
    activity_id: uuid.UUID
    resident_id: uuid.UUID
    checked_in_at: datetime


class VolunteerHoursRecorded(_VolunteerEvent):
    """Service hours were recorded for a volunteer: from their check-out, or by the organiser."""

    verb: ClassVar[str] = "hours_recorded"
    type: Literal["cn.linli.service-hall.volunteer.hours_recorded.v1"] = (
        "cn.linli.service-hall.volunteer.hours_recorded.v1"
    )
    activity_id: uuid.UUID
    resident_id: uuid.UUID
    minutes: int
    source: str
    total_minutes: int


VolunteerEvent = (
    OrganisationFounded
    | OrganisationJoined
    | VolunteerActivityPublished
    | VolunteerSignedUp
    | VolunteerCheckedIn
    | VolunteerHoursRecorded
)
