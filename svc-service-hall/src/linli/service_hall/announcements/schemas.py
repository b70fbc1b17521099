"""Request and response bodies of announcements and their read counts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from linli.common.divisions import DivisionCodeStr
from linli.common.errors import InvalidValue
from linli.service_hall.voice.text import Body, Title


def _future(value: datetime | None) -> datetime | None:
    if value is not None and value <= datetime.now(UTC):
        raise InvalidValue("the expiry must lie in the future", "过期时间须晚于现在")
    return value


class AnnouncementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body
    target_code: DivisionCodeStr | None = Field(
        default=None,
        description="The division it reaches with every unit below it; within your scope "
        "(above it: 403). Defaults to your scope.",
    )
    pinned: bool = False
    expires_at: AwareDatetime | None = Field(
        default=None, description="Hidden from residents after"
    )

    _expiry = field_validator("expires_at")(_future)


class AnnouncementUpdate(BaseModel):
    """Pin or unpin, or move the expiry (null: never expires)."""

    model_config = ConfigDict(extra="forbid")

    pinned: bool | None = None
    expires_at: AwareDatetime | None = None

    _expiry = field_validator("expires_at")(_future)


class AnnouncementRead(BaseModel):
    id: uuid.UUID
    target_code: str
    title: str
    body: str
    pinned: bool
    expires_at: datetime | None
    publisher_role: str
    publisher_name_masked: str | None
    published_at: datetime


class CommunityReads(BaseModel):
    community_code: str
    reads: int


class ReadCounts(BaseModel):
    """Residents who read it, per community (those of your scope)."""

    announcement_id: uuid.UUID
    total: int
    communities: list[CommunityReads]
