"""Events the division tree publishes."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

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
