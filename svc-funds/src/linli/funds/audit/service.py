"""The audit trail: every event of a fund is also an audit record of who did it, chained by hash.

`record` writes the event to the outbox now and stages the audit record; the records are
appended just before the transaction commits (`linli.common.transaction.stage`), under a lock on
the fund's row, so each one hashes the fund's latest record and the chain has no fork. Taken
last in every transaction, after the accounts' locks, that lock cannot deadlock with them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from linli.common.auth import Principal, Role
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.common.transaction import stage
from linli.funds.access import MANAGE_ROLES, any_fund
from linli.funds.audit.repository import AUDIT_ORDER, GENESIS, AuditRepository, lock_head
from linli.funds.audit.schemas import AuditRecordRead, AuditVerification, TamperedRecord
from linli.funds.funds.errors import FundNotFound
from linli.funds.funds.events import FundEvent
from linli.funds.models import AuditRecord

_STAGED = "linli.funds.audit"


@dataclass(frozen=True, slots=True)
class _Pending:
    fund_id: uuid.UUID
    actor: str
    action: str
    subject_id: str
    data: dict[str, Any]
    created_at: datetime


async def record(
    session: AsyncSession, event: FundEvent, *, subject_id: uuid.UUID, actor: str
) -> None:
    """Publish `event` (outbox) and audit it as `actor`'s action, in this transaction."""
    cloud_event = await events_of(session).record(event, subject_id=subject_id)
    pending: list[_Pending] = stage(session, _STAGED, list, _append)
    pending.append(
        _Pending(
            fund_id=event.fund_id,
            actor=actor,
            action=cloud_event.type,
            subject_id=str(subject_id),
            data=cloud_event.data,
            created_at=datetime.now(UTC),
        )
    )


def record_hash(
    *,
    prev_hash: str,
    fund_id: uuid.UUID,
    actor: str,
    action: str,
    subject_id: str,
    data: dict[str, Any],
    created_at: datetime,
) -> str:
    """SHA-256 of the previous hash and the record's fields as canonical JSON."""
    body = json.dumps(
        {
            "fund_id": str(fund_id),
            "actor": actor,
            "action": action,
            "subject_id": subject_id,
            "data": data,
            "created_at": created_at.astimezone(UTC).isoformat(),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _append(session: Session, pending: list[_Pending]) -> None:
    # Chains of several funds (a transfer's two) are locked in id order: never a deadlock.
    heads = {
        fund_id: lock_head(session, fund_id) for fund_id in sorted({p.fund_id for p in pending})
    }
    for item in pending:
        prev = heads[item.fund_id]
        digest = record_hash(
            prev_hash=prev,
            fund_id=item.fund_id,
            actor=item.actor,
            action=item.action,
            subject_id=item.subject_id,
            data=item.data,
            created_at=item.created_at,
        )
        session.add(
            AuditRecord(
                fund_id=item.fund_id,
                actor=item.actor,
                action=item.action,
                subject_id=item.subject_id,
                data=item.data,
                created_at=item.created_at,
                prev_hash=prev,
                hash=digest,
            )
        )
        heads[item.fund_id] = digest
    session.flush()


async def verify(session: AsyncSession, *, fund_id: uuid.UUID) -> AuditVerification:
    """Recompute the fund's chain from its first record; anyone may."""
    fund = await any_fund(session, fund_id)
    prev = GENESIS
    count = 0
    tampered: TamperedRecord | None = None
    async for row in AuditRepository(session).chain(fund.id):
        count += 1
        if tampered is not None:
            continue
        if row.prev_hash != prev:
            tampered = TamperedRecord(seq=row.seq, reason="prev_hash")
        elif row.hash != record_hash(
            prev_hash=row.prev_hash,
            fund_id=row.fund_id,
            actor=row.actor,
            action=row.action,
            subject_id=row.subject_id,
            data=row.data,
            created_at=row.created_at,
        ):
            tampered = TamperedRecord(seq=row.seq, reason="hash")
        prev = row.hash
    return AuditVerification(
        fund_id=fund.id,
        ok=tampered is None,
        records=count,
        head_hash=None if count == 0 else prev,
        first_tampered=tampered,
        checked_at=datetime.now(UTC),
    )


async def list_records(
    session: AsyncSession,
    *,
    principal: Principal,
    fund_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[AuditRecordRead]:
    """The trail with its actors: for auditors and the fund's staff."""
    principal.require_role(Role.AUDITOR, *MANAGE_ROLES)
    fund = await any_fund(session, fund_id)
    if not principal.covers(fund.division_code):
        raise FundNotFound()
    rows = await AuditRepository(session).page(
        fund.id, after=AUDIT_ORDER.decode(cursor), limit=limit
    )
    return AUDIT_ORDER.page(rows, limit=limit, read=AuditRecordRead.from_model)
