"""Business rules of the export: who may export which division, masked or in clear.

Staff who read the registry export what they may list (a grid worker: their grids' residents);
a division outside the caller's scope is refused (403). Clear ID numbers and phones are for the
community's own workers, with a stated purpose: the export is then read from one snapshot, its
rows counted, and one audit row naming the division and that count is committed before the
first clear value leaves.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.pii import PiiCipher, PiiField, audit_clear_read
from linli.residents.access import REVEAL_ROLES, viewer
from linli.residents.exports.repository import ExportRepository
from linli.residents.households.errors import PurposeRequired

# The import's columns first (a revealed export imports elsewhere as it is; a masked one does not:
# its ID numbers are masked), then what the registry derives or assigns.
COLUMNS = (
    "community_code",
    "court",
    "building",
    "unit",
    "room",
    "name",
    "id_number",
    "phone",
    "relation_to_head",
    "tags",
    "sex",
    "birth_date",
    "resident_id",
    "household_id",
)
ROWS_PER_CHUNK = 500
AUDIT_ENTITY = "residents_export"


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """What one export covers, decided (and refused) before the response starts."""

    principal: Principal
    division: str
    grids: frozenset[uuid.UUID] | None
    reveal: bool
    purpose: str | None


async def plan_export(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    reveal: bool,
    purpose: str | None,
) -> ExportPlan:
    reader = await viewer(session, principal)
    division = division or principal.scope
    principal.require_scope(division)
    if reveal:
        principal.require_role(*REVEAL_ROLES)
        if not purpose:
            raise PurposeRequired()
    return ExportPlan(principal, division, reader.grids, reveal, purpose)


async def count_rows(session: AsyncSession, *, plan: ExportPlan) -> int:
    return await ExportRepository(session).count(plan.division, plan.grids)


async def audit_export(
    session: AsyncSession, *, plan: ExportPlan, count: int, request_id: str | None
) -> None:
    """One audit row for a revealed export: `entity_id` is `<division>:<rows>`."""
    assert plan.reveal and plan.purpose
    await audit_clear_read(
        session,
        principal=plan.principal,
        entity=AUDIT_ENTITY,
        entity_id=f"{plan.division}:{count}",
        fields=[PiiField.ID_NUMBER, PiiField.PHONE],
        purpose=plan.purpose,
        request_id=request_id,
    )


async def export_rows(
    session: AsyncSession, *, plan: ExportPlan, cipher: PiiCipher
) -> AsyncIterator[list[str]]:
    """The CSV rows, one resident at a time (masked, or decrypted when revealed)."""
    async for resident, court, building, unit, room in ExportRepository(session).stream(
        plan.division, plan.grids
    ):
        if plan.reveal:
            id_number = cipher.decrypt(PiiField.ID_NUMBER, resident.id_number_cipher)
            phone = (
                cipher.decrypt(PiiField.PHONE, resident.phone_cipher)
                if resident.phone_cipher
                else ""
            )
        else:
            id_number, phone = resident.id_number_masked, resident.phone_masked or ""
        yield [
            resident.community_code,
            court or "",
            building,
            unit,
            room,
            resident.name,
            id_number,
            phone,
            resident.relation_to_head.value,
            ";".join(resident.tags),
            resident.sex.value,
            resident.birth_date.isoformat(),
            str(resident.id),
            str(resident.household_id),
        ]


async def csv_chunks(
    rows: AsyncIterable[Sequence[str]], *, rows_per_chunk: int = ROWS_PER_CHUNK
) -> AsyncIterator[str]:
    """CSV text (UTF-8 BOM first, so Excel reads Chinese), a chunk per `rows_per_chunk` rows:
    never more than one chunk in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    pending = 0
    yield "\ufeff" + _drain(buffer)
    async for row in rows:
        writer.writerow(row)
        pending += 1
        if pending == rows_per_chunk:
            yield _drain(buffer)
            pending = 0
    if pending:
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
