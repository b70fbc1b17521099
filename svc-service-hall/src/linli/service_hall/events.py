"""Everything svc-service-hall publishes, as one discriminated union on `type` (the event catalogue)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from linli.service_hall.activities.events import ActivityEvent
from linli.service_hall.applications.events import ApplicationEvent
from linli.service_hall.appointments.events import AppointmentEvent
from linli.service_hall.bundles.events import (
    BundleClosed,
    BundleCompleted,
    BundleDefined,
    BundleFiled,
)
from linli.service_hall.canteen.events import CanteenEvent
from linli.service_hall.catalogue.events import ItemPublished
from linli.service_hall.courses.events import CourseEvent
from linli.service_hall.home_visits.events import HomeVisitEvent
from linli.service_hall.service_points.events import ServicePointOpened
from linli.service_hall.volunteering.events import VolunteerEvent

HallEvent = Annotated[
    ApplicationEvent
    | AppointmentEvent
    | CanteenEvent
    | BundleFiled
    | BundleCompleted
    | BundleClosed
    | BundleDefined
    | HomeVisitEvent
    | ItemPublished
    | ServicePointOpened
    | ActivityEvent
    | CourseEvent
    | VolunteerEvent,
    Field(discriminator="type"),
]

hall_event_adapter: TypeAdapter[HallEvent] = TypeAdapter(HallEvent)
"""Parses the `data` of any event of this service into its class (consumers, tests, docs)."""

__all__ = ["HallEvent", "hall_event_adapter"]
