"""Request and response shapes of the division tree."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from linli.common.divisions import Level


class DivisionRead(BaseModel):
    """One administrative unit."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="4 (city), 6 (district), 9 (street) or 12 (community) digits")
    name: str
    level: Level
    parent_code: str | None = Field(description="The unit above; null for a city")


class DivisionImportResult(BaseModel):
    """What an import changed; rows whose name was already stored count as unchanged."""

    created: int
    updated: int
    unchanged: int


class DivisionImportRow(BaseModel):
    """One data row of the CSV, as read: `row` is its line in the file (the header is row 1)."""

    row: int
    code: str
    name: str
    columns: int


class DivisionRowError(BaseModel):
    """Why one row of an import was refused."""

    row: int = Field(description="Line of the row in the file; the header is row 1")
    code: str = Field(description="The code as written in the file (may be empty or malformed)")
    errors: list[str]
