"""Events of bulk import. Each household, resident and place it stores is also published with
its own `*.created` event, exactly as if a worker had entered it."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class ImportCompleted(DomainEvent):
    """A bulk import stored every row of its file: published on the subject of its scope."""

    service: ClassVar[str] = "residents"
    entity: ClassVar[str] = "import"
    verb: ClassVar[str] = "completed"

    type: Literal["cn.linli.residents.import.completed.v1"] = (
        "cn.linli.residents.import.completed.v1"
    )
    # An import may cover a street or a district: the subject comes from scope_code instead.
    community_code: str | None = Field(  # type: ignore[assignment]
        default=None, description="Always null: an import belongs to the scope it covered"
    )
    import_id: uuid.UUID
    scope_code: str = Field(description="The division (4, 6, 9 or 12 digits) the import covered")
    residents_created: int
    households_created: int
    places_created: int = Field(description="Courts, buildings, units and dwellings created")

    def division_code(self) -> str:
        return self.scope_code
