"""Request and response shapes of change requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linli.common.errors import InvalidValue
from linli.residents.households.schemas import Name, Note, StoredTags
from linli.residents.identity import MobilePhoneStr
from linli.residents.models import ChangeRequest, ChangeRequestStatus, RelationToHead

# What a resident may ask to change themself; ID number, sex and birth date need a worker and
# the document itself.
REQUESTABLE = ("name", "phone", "relation_to_head", "tags")


class ChangeRequestCreate(BaseModel):
    """The fields to change (at least one), and optionally why."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Name | None = None
    phone: MobilePhoneStr | None = None
    relation_to_head: RelationToHead | None = None
    tags: StoredTags | None = None
    note: Note | None = Field(default=None, description="Why, for the reviewing worker")

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not any(getattr(self, field) is not None for field in REQUESTABLE):
            raise InvalidValue(
                "name at least one field to change: " + ", ".join(REQUESTABLE),
                "请至少给出一项要更改的内容：" + "、".join(REQUESTABLE),
            )
        return self


class ChangeRequestReject(BaseModel):
    """Why a change request is refused; shown to the resident and published."""

    model_config = ConfigDict(extra="forbid")

    reason: Note = Field(min_length=1, examples=["请携带户口本到社区核实"])


class ChangeRequestRead(BaseModel):
    """A change request; a new phone is shown masked."""

    id: uuid.UUID
    resident_id: uuid.UUID
    community_code: str
    status: ChangeRequestStatus
    changes: dict[str, Any]
    note: str | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reject_reason: str | None

    @classmethod
    def from_model(cls, request: ChangeRequest) -> Self:
        changes = dict(request.changes)
        if request.phone_masked is not None:
            changes["phone"] = request.phone_masked
        return cls(
            id=request.id,
            resident_id=request.resident_id,
            community_code=request.community_code,
            status=request.status,
            changes=changes,
            note=request.note,
            created_at=request.created_at,
            decided_at=request.decided_at,
            decided_by=request.decided_by,
            reject_reason=request.reject_reason,
        )
