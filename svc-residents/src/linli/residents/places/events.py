"""Events of places: one class per entity and change, each on its community's subject.

Payloads name places by id and name; a `*.updated` event carries the place as it now is and the
fields that changed.
"""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class _PlaceEvent(DomainEvent):
    service: ClassVar[str] = "residents"


class _GridEvent(_PlaceEvent):
    entity: ClassVar[str] = "grid"
    grid_id: uuid.UUID
    number: int
    name: str


class GridCreated(_GridEvent):
    """A grid was created."""

    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.residents.grid.created.v1"] = "cn.linli.residents.grid.created.v1"


class GridUpdated(_GridEvent):
    """A grid was changed."""

    verb: ClassVar[str] = "updated"

    type: Literal["cn.linli.residents.grid.updated.v1"] = "cn.linli.residents.grid.updated.v1"
    changed: list[str] = Field(description="Names of the fields that changed")


class GridDeleted(_GridEvent):
    """A grid was deleted."""

    verb: ClassVar[str] = "deleted"

    type: Literal["cn.linli.residents.grid.deleted.v1"] = "cn.linli.residents.grid.deleted.v1"


class _CourtEvent(_PlaceEvent):
    entity: ClassVar[str] = "court"
    court_id: uuid.UUID
    name: str


class CourtCreated(_CourtEvent):
    """A court was created."""

    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.residents.court.created.v1"] = "cn.linli.residents.court.created.v1"


class CourtUpdated(_CourtEvent):
    """A court was changed."""

    verb: ClassVar[str] = "updated"

    type: Literal["cn.linli.residents.court.updated.v1"] = "cn.linli.residents.court.updated.v1"
    changed: list[str] = Field(description="Names of the fields that changed")


class CourtDeleted(_CourtEvent):
    """A court was deleted."""

    verb: ClassVar[str] = "deleted"

    type: Literal["cn.linli.residents.court.deleted.v1"] = "cn.linli.residents.court.deleted.v1"


class _BuildingEvent(_PlaceEvent):
    entity: ClassVar[str] = "building"
    building_id: uuid.UUID
    name: str
    court_id: uuid.UUID | None
    grid_id: uuid.UUID | None


class BuildingCreated(_BuildingEvent):
    """A building was created."""

    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.residents.building.created.v1"] = (
        "cn.linli.residents.building.created.v1"
    )


class BuildingUpdated(_BuildingEvent):
    """A building was changed."""

    verb: ClassVar[str] = "updated"

    type: Literal["cn.linli.residents.building.updated.v1"] = (
        "cn.linli.residents.building.updated.v1"
    )
    changed: list[str] = Field(description="Names of the fields that changed")


class BuildingDeleted(_BuildingEvent):
    """A building was deleted."""

    verb: ClassVar[str] = "deleted"

    type: Literal["cn.linli.residents.building.deleted.v1"] = (
        "cn.linli.residents.building.deleted.v1"
    )


class _UnitEvent(_PlaceEvent):
    entity: ClassVar[str] = "unit"
    unit_id: uuid.UUID
    building_id: uuid.UUID
    name: str


class UnitCreated(_UnitEvent):
    """A unit was created."""

    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.residents.unit.created.v1"] = "cn.linli.residents.unit.created.v1"


class UnitUpdated(_UnitEvent):
    """A unit was changed."""

    verb: ClassVar[str] = "updated"

    type: Literal["cn.linli.residents.unit.updated.v1"] = "cn.linli.residents.unit.updated.v1"
    changed: list[str] = Field(description="Names of the fields that changed")


class UnitDeleted(_UnitEvent):
    """A unit was deleted."""

    verb: ClassVar[str] = "deleted"

    type: Literal["cn.linli.residents.unit.deleted.v1"] = "cn.linli.residents.unit.deleted.v1"


class _DwellingEvent(_PlaceEvent):
    entity: ClassVar[str] = "dwelling"
    dwelling_id: uuid.UUID
    unit_id: uuid.UUID
    building_id: uuid.UUID
    address: str = Field(description="<building>-<unit>-<room>")


class DwellingCreated(_DwellingEvent):
    """A dwelling was created."""

    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.residents.dwelling.created.v1"] = (
        "cn.linli.residents.dwelling.created.v1"
    )


class DwellingUpdated(_DwellingEvent):
    """A dwelling was changed."""

    verb: ClassVar[str] = "updated"

    type: Literal["cn.linli.residents.dwelling.updated.v1"] = (
        "cn.linli.residents.dwelling.updated.v1"
    )
    changed: list[str] = Field(description="Names of the fields that changed")


class DwellingDeleted(_DwellingEvent):
    """A dwelling was deleted."""

    verb: ClassVar[str] = "deleted"

    type: Literal["cn.linli.residents.dwelling.deleted.v1"] = (
        "cn.linli.residents.dwelling.deleted.v1"
    )


PlaceEvent = (
    GridCreated
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
    | DwellingDeleted
)
