"""Everything svc-residents publishes, as one discriminated union on `type` (the event catalogue)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from linli.residents.change_requests.events import (
    ChangeRequestApproved,
    ChangeRequestFiled,
    ChangeRequestRejected,
)
from linli.residents.divisions.events import DivisionDeleted, DivisionsImported
from linli.residents.households.events import (
    HouseholdCreated,
    HouseholdDeleted,
    HouseholdUpdated,
    ResidentCreated,
    ResidentDeleted,
    ResidentTagged,
    ResidentUpdated,
)
from linli.residents.imports.events import ImportCompleted
from linli.residents.moves.events import HouseholdMoved, ResidentMoved
from linli.residents.places.events import (
    BuildingCreated,
    BuildingDeleted,
    BuildingUpdated,
    CourtCreated,
    CourtDeleted,
    CourtUpdated,
    DwellingCreated,
    DwellingDeleted,
    DwellingUpdated,
    GridCreated,
    GridDeleted,
    GridUpdated,
    UnitCreated,
    UnitDeleted,
    UnitUpdated,
)
from linli.residents.registrations.events import (
    ResidentApproved,
    ResidentRegistered,
    ResidentRejected,
)

ResidentsEvent = Annotated[
    DivisionsImported
    | DivisionDeleted
    | ImportCompleted
    | ResidentRegistered
    | ResidentApproved
    | ResidentRejected
    | ResidentCreated
    | ResidentUpdated
    | ResidentTagged
    | ResidentDeleted
    | ResidentMoved
    | ChangeRequestFiled
    | ChangeRequestApproved
    | ChangeRequestRejected
    | HouseholdCreated
    | HouseholdUpdated
    | HouseholdDeleted
    | HouseholdMoved
    | GridCreated
    | GridUpdated
    | GridDeleted
    | CourtCreated
    | CourtUpdated
    | CourtDeleted
    | BuildingCreated
    | BuildingUpdated
    | BuildingDeleted
    | UnitCreated
    | UnitUpdated
    | UnitDeleted
    | DwellingCreated
    | DwellingUpdated
    | DwellingDeleted,
    Field(discriminator="type"),
]

residents_event_adapter: TypeAdapter[ResidentsEvent] = TypeAdapter(ResidentsEvent)
"""Parses the `data` of any event of this service into its class (consumers, tests, docs)."""

__all__ = [
    "DivisionsImported",
    "ResidentApproved",
    "ResidentRegistered",
    "ResidentRejected",
    "ResidentsEvent",
    "residents_event_adapter",
]
