"""Events the division tree publishes."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from linli.common.divisions import Level
from linli.common.events import DomainEvent


class DivisionsImported(DomainEvent):
    """A CSV of divisions was imported: published on the subject of the importing scope."""

    service: ClassVar[str] = "residents"
    entity: ClassVar[str] = "division"
    verb: ClassVar[str] = "imported"

    type: Literal["cn.linli.residents.division.imported.v1"] = (
        "cn.linli.residents.division.imported.v1"
    )
    # Divisions sit above communities: the subject comes from scope_code instead.
    community_code: str | None = Field(  # type: ignore[assignment]
        default=None, description="Always null: this event belongs to a level above community"
    )
    scope_code: str = Field(description="The division (4, 6, 9 digits …) the import covered")
    created: int
    updated: int
    unchanged: int

    def division_code(self) -> str:
        return self.scope_code


class DivisionDeleted(DomainEvent):
    """An empty division (no units below it, nothing recorded in it) was removed from the tree,
    usually one imported by mistake: published on the division's own subject."""

    service: ClassVar[str] = "residents"
    entity: ClassVar[str] = "division"
    verb: ClassVar[str] = "deleted"

    type: Literal["cn.linli.residents.division.deleted.v1"] = (
        "cn.linli.residents.division.deleted.v1"
    )
    community_code: str | None = Field(  # type: ignore[assignment]
        default=None, description="The code when the division is a community, else null"
    )
    code: str = Field(description="The division's code (4, 6, 9 or 12 digits)")
    name: str
    level: Level

    def division_code(self) -> str:
        return self.code
