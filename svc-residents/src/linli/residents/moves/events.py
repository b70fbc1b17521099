"""Events of moves. A move between two communities is published twice, once on each community's
subject (`side` says which), so the subscribers of both streets (`linli.3301.330108.330108001.>`
and `linli.3301.330108.330108002.>`) see it without any wildcard above their own subtree. Both
copies carry the same `move_id`: a subscriber holding both communities (their district, the city)
receives two events and counts the move once by that id. A move within one community, a move in
and a move out touch one community and are published once.

No ID number or phone, clear or masked: ids, codes, the masked name.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent
from linli.residents.models import MoveKind

Side = Literal["origin", "destination", "within"]


class ResidentMoved(DomainEvent):
    """A resident moved in, out, or between dwellings or communities (the record keeps its id)."""

    service: ClassVar[str] = "residents"
    entity: ClassVar[str] = "resident"
    verb: ClassVar[str] = "moved"

    type: Literal["cn.linli.residents.resident.moved.v1"] = "cn.linli.residents.resident.moved.v1"
    move_id: uuid.UUID
    resident_id: uuid.UUID
    kind: MoveKind
    side: Side = Field(
        description="Which end of the move `community_code` (and the subject) is: origin, "
        "destination, or within (both ends in this community)"
    )
    whole_household: bool
    from_community_code: str | None = Field(description="Null for a move in")
    from_household_id: uuid.UUID | None
    to_community_code: str | None = Field(description="Null for a move out")
    to_household_id: uuid.UUID | None
    to_grid_id: uuid.UUID | None
    name_masked: str
    moved_at: datetime


class HouseholdMoved(DomainEvent):
    """A whole household moved to another dwelling (keeping its id); its residents' moves are
    published as `resident.moved` with `whole_household` set."""

    service: ClassVar[str] = "residents"
    entity: ClassVar[str] = "household"
    verb: ClassVar[str] = "moved"

    type: Literal["cn.linli.residents.household.moved.v1"] = "cn.linli.residents.household.moved.v1"
    household_id: uuid.UUID
    side: Side
    from_community_code: str
    from_dwelling_id: uuid.UUID
    to_community_code: str
    to_dwelling_id: uuid.UUID
    household_address: str = Field(description="The new address, <building>-<unit>-<room>")
    grid_id: uuid.UUID | None
    moved_at: datetime
