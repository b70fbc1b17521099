"""Everything svc-grid publishes, as one discriminated union on `type` (the event catalogue)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from linli.grid.campaigns.events import CampaignEvent
from linli.grid.directives.events import DirectiveEvent
from linli.grid.duty.events import DutyEvent
from linli.grid.incidents.events import IncidentEvent
from linli.grid.sensors.events import SensorEvent
from linli.grid.visits.events import VisitEvent

GridEvent = Annotated[
    IncidentEvent | DutyEvent | SensorEvent | CampaignEvent | VisitEvent | DirectiveEvent,
    Field(discriminator="type"),
]

grid_event_adapter: TypeAdapter[GridEvent] = TypeAdapter(GridEvent)
"""Parses the `data` of any event of this service into its class (consumers, tests, docs)."""

__all__ = ["GridEvent", "grid_event_adapter"]
