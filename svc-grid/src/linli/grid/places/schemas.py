"""The fields of svc-residents' grid and building events that the grid reads (its own copy)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel


class _GridEvent(BaseModel):
    community_code: str
    grid_id: uuid.UUID
    number: int
    name: str


class GridCreated(_GridEvent):
    type: Literal["cn.linli.residents.grid.created.v1"]


class GridUpdated(_GridEvent):
    type: Literal["cn.linli.residents.grid.updated.v1"]


class GridDeleted(_GridEvent):
    type: Literal["cn.linli.residents.grid.deleted.v1"]


class _BuildingEvent(BaseModel):
    community_code: str
    building_id: uuid.UUID
    name: str
    grid_id: uuid.UUID | None
    # The court (小区) it stands in: campaigns count coverage per court.
    court_id: uuid.UUID | None = None


class BuildingCreated(_BuildingEvent):
    type: Literal["cn.linli.residents.building.created.v1"]


class BuildingUpdated(_BuildingEvent):
    type: Literal["cn.linli.residents.building.updated.v1"]


class BuildingDeleted(_BuildingEvent):
    type: Literal["cn.linli.residents.building.deleted.v1"]
