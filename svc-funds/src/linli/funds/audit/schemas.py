"""Response shapes of the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from linli.funds.models import AuditRecord


class TamperedRecord(BaseModel):
    seq: int = Field(description="The first record whose hash does not hold")
    reason: str = Field(examples=["hash", "prev_hash"])


class AuditVerification(BaseModel):
    """`ok` when every record of the fund hashes to what it says and names its predecessor's
    hash; else the first record where the chain breaks."""

    fund_id: uuid.UUID
    ok: bool
    records: int
    head_hash: str | None = Field(description="The hash of the latest record: note it to compare")
    first_tampered: TamperedRecord | None
    checked_at: datetime


class AuditRecordRead(BaseModel):
    seq: int
    actor: str
    action: str
    subject_id: str
    data: dict[str, Any]
    created_at: datetime
    prev_hash: str
    hash: str

    @classmethod
    def from_model(cls, record: AuditRecord) -> AuditRecordRead:
        return cls(
            seq=record.seq,
            actor=record.actor,
            action=record.action,
            subject_id=record.subject_id,
            data=record.data,
            created_at=record.created_at,
            prev_hash=record.prev_hash,
            hash=record.hash,
        )
