"""Response shape of the statistics."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from linli.common.divisions import Level


class DivisionFigures(BaseModel):
    """Live figures of one division: the sum of its communities' counters, which change in the
    same transaction as the registry itself."""

    division: str = Field(examples=["330108"])
    level: Level
    name: str = Field(examples=["滨江区"])
    as_of: date = Field(description="Ages, bands and derived tags are as of this day in Shanghai")
    population: int = Field(description="Live residents")
    households: int = Field(description="Live households, empty ones included")
    pending_registrations: int = Field(description="Self-registrations waiting for review")
    age_bands: dict[str, int] = Field(
        description="Residents per age band (0-17, 18-34, 35-59, 60-79, 80+); they add up to "
        "`population`",
        examples=[{"0-17": 120, "18-34": 300, "35-59": 410, "60-79": 150, "80+": 20}],
    )
    tags: dict[str, int] = Field(
        description="Residents per tag: every recorded tag, and the derived `elderly` (60+) and "
        "`child` (under 18)",
        examples=[{"living_alone": 12, "party_member": 40, "elderly": 170, "child": 120}],
    )


class DivisionStats(DivisionFigures):
    """A division's figures and, with `children=true`, the same for the units one level below."""

    children: list[DivisionFigures] | None = Field(
        default=None,
        description="With `children=true` only: the figures of every unit directly below "
        "`division` in the division tree, in code order, those without residents included "
        "(with zeros); a community has none.",
    )
