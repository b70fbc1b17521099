"""Shapes of the statistics report, its peers' comparison and a resident's facts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from linli.common.divisions import Level

SectionStatus = Literal["ok", "unavailable", "refused"]


class Section(BaseModel):
    """One service's part of one unit's figures: `ok` with its figures, `unavailable` (the
    service is down, failed or did not answer within the gateway's time limit) or `refused`
    (the service's own scope or role check said no)."""

    status: SectionStatus
    figures: dict[str, int] | None = None
    reason: str | None = Field(default=None, examples=["funds did not answer within 0.8 s"])


class Unit(BaseModel):
    code: str = Field(examples=["330108001"])
    name: str | None = Field(description="From svc-residents; null when it could not be asked")
    level: Level


class UnitReport(Unit):
    sections: dict[str, Section] = Field(
        description="By section: residents, incidents, service_hall, funds, jobs_coop"
    )


class SourceInfo(BaseModel):
    service: str = Field(examples=["funds"])
    endpoint: str = Field(examples=["GET /api/funds/stats?division={code}"])
    title_zh: str


class StatsReport(BaseModel):
    """The division's figures and the same for each unit one level below, every figure counted
    by the service that owns it when asked. `partial` is true when any section of any unit is
    missing; `missing` names those sections."""

    division: UnitReport
    children: list[UnitReport]
    partial: bool
    missing: list[str] = Field(description="Sections missing for at least one unit")
    sources: dict[str, SourceInfo]
    generated_at: datetime
    elapsed_ms: float


class PeerAverage(BaseModel):
    """The mean, per unit of the division's own level, of an enclosing division's figures: the
    street's total ÷ its communities, the district's total ÷ its communities."""

    over: Unit
    units: int = Field(description="Units of the division's level under `over`")
    sections: dict[str, Section] = Field(
        description="Figures are the means, rounded down (money in fen stays integer)"
    )


class PeerReport(BaseModel):
    """A unit's own figures next to the averages of the units like it in its street and district
    (data down: what went up comes back as benchmarks)."""

    division: UnitReport
    averages: list[PeerAverage]
    partial: bool
    generated_at: datetime


class FactsPart(BaseModel):
    status: SectionStatus
    data: Any | None = None
    reason: str | None = None


class ResidentFacts(BaseModel):
    """What the other services hold of one resident, each part asked of its service with the
    caller's identity (so each applies its own scope check)."""

    resident_id: uuid.UUID
    parts: dict[str, FactsPart] = Field(
        description="applications (service-hall), incidents (grid), coop (jobs-coop)"
    )
    partial: bool
