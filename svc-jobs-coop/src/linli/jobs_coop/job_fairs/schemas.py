"""Request and response shapes of job fairs."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from linli.common.divisions import CommunityCodeStr
from linli.jobs_coop.models import MatchOutcome
from linli.jobs_coop.text import Place, Title


class FairCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr
    title: Title = Field(examples=["东冠社区灵活就业招聘会"])
    held_on: date
    place: Place


class FairEnterpriseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: uuid.UUID
    openings: Annotated[int, Strict(), Field(gt=0, le=10_000)]
    positions: Place = Field(examples=["串珠工、包装工"])


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID | None = None


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: uuid.UUID
    member_id: uuid.UUID


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: MatchOutcome


class FairMatchRead(BaseModel):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    member_id: uuid.UUID
    outcome: MatchOutcome


class FairEnterpriseRead(BaseModel):
    enterprise_id: uuid.UUID
    openings: int
    positions: str


class FairRead(BaseModel):
    id: uuid.UUID
    community_code: str
    title: str
    held_on: date
    place: str
    enterprises: list[FairEnterpriseRead]
    registrations: int
    matches: list[FairMatchRead]
    hired: int
