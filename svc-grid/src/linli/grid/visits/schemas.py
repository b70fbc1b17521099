"""What the visits API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.grid.incidents.schemas import CategoryCode
from linli.grid.models import VisitTarget
from linli.grid.text import Description, Note, Stripped, Title

# Checklist items are codes a mini-program shows in its own words (`fire_exits`, `gas_valve`).
ItemCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
EnterpriseName = Annotated[str, Stripped, StringConstraints(max_length=100)]
MAX_FINDINGS = 30
# A visit is recorded on the day, or written up within the week.
MAX_BACKDATE_DAYS = 7


class VisitPurpose(StrEnum):
    PATROL = "patrol"  # 巡查
    CARE = "care"  # 关爱走访 (the elderly, the left-behind)
    SAFETY_CHECK = "safety_check"  # 安全检查
    SURVEY = "survey"  # 入户调查
    OTHER = "other"


class Finding(BaseModel):
    """One checklist item: fine (`ok`) or not, with what was seen."""

    model_config = ConfigDict(extra="forbid")

    item: ItemCode
    ok: bool
    note: Note | None = None


class IncidentFromFinding(BaseModel):
    """Open an incident from the visit in the same step: its category, title and text; its place
    is the visit's."""

    model_config = ConfigDict(extra="forbid")

    category: CategoryCode
    title: Title
    description: Description


class VisitCreate(BaseModel):
    """A visit to a household (its id), a building (its id) or an enterprise (its name and
    the grid or community it lies in)."""

    model_config = ConfigDict(extra="forbid")

    target: VisitTarget
    household_id: uuid.UUID | None = None
    building_id: uuid.UUID | None = None
    enterprise_name: EnterpriseName | None = None
    grid_id: uuid.UUID | None = None
    community_code: CommunityCodeStr | None = None
    visited_at: AwareDatetime | None = Field(default=None, description="Default: now")
    purpose: VisitPurpose
    note: Note | None = None
    findings: list[Finding] = Field(default_factory=list, max_length=MAX_FINDINGS)
    open_incident: IncidentFromFinding | None = None

    @model_validator(mode="after")
    def _named(self) -> Self:
        wanted = {
            VisitTarget.HOUSEHOLD: self.household_id is not None,
            VisitTarget.BUILDING: self.building_id is not None,
            VisitTarget.ENTERPRISE: self.enterprise_name is not None
            and (self.grid_id is not None or self.community_code is not None),
        }
        if not wanted[self.target]:
            raise InvalidValue(
                "name what was visited: household_id, building_id, or enterprise_name with its "
                "grid_id or community_code",
                "请提供走访对象：住户、楼栋，或企业名称及其网格或社区",
            )
        if len({f.item for f in self.findings}) != len(self.findings):
            raise InvalidValue("each checklist item once", "检查项不可重复")
        return self


class VisitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    grid_id: uuid.UUID | None
    target: VisitTarget
    household_id: uuid.UUID | None
    building_id: uuid.UUID | None
    enterprise_name: str | None
    worker_subject: str
    worker_name_masked: str | None
    visited_at: datetime
    purpose: str
    note: str | None
    findings: list[Finding]
    incident_id: uuid.UUID | None
    created_at: datetime


class VisitPhotoRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    content_type: str
    size_bytes: int
    created_at: datetime


class UnvisitedRead(BaseModel):
    """A household of the grid not visited for the days asked, and when it last was."""

    household_id: uuid.UUID
    address: str
    members: int
    last_visited_at: datetime | None
