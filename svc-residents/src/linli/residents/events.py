"""Everything svc-residents publishes, as one discriminated union on `type` (the event catalogue)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from linli.residents.divisions.events import DivisionsImported
from linli.residents.registrations.events import (
    ResidentApproved,
    ResidentRegistered,
    ResidentRejected,
)

# CloudEvents `source` of every event this service emits.
EVENT_SOURCE = "/linli/residents"

ResidentsEvent = Annotated[
    DivisionsImported | ResidentRegistered | ResidentApproved | ResidentRejected,
    Field(discriminator="type"),
]

residents_event_adapter: TypeAdapter[ResidentsEvent] = TypeAdapter(ResidentsEvent)
"""Parses the `data` of any event of this service into its class (consumers, tests, docs)."""

__all__ = [
    "EVENT_SOURCE",
    "DivisionsImported",
    "ResidentApproved",
    "ResidentRegistered",
    "ResidentRejected",
    "ResidentsEvent",
    "residents_event_adapter",
]
