"""Rules of assignments and duty: community staff manage their grids' workers and rosters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.grid import access
from linli.grid.duty.errors import NobodyOnDuty, WorkerNotAssigned
from linli.grid.duty.events import DutyScheduled, WorkerAssigned, WorkerUnassigned
from linli.grid.duty.repository import DutyRepository
from linli.grid.duty.schemas import AssignmentIn, OnDutyRead, ShiftIn
from linli.grid.incidents.errors import UnknownReference
from linli.grid.models import DutyShift, GridWorker

# Who assigns workers and schedules duty: the community's own workers.
MANAGE_ROLES = (Role.COMMUNITY_WORKER,)


async def assign(
    session: AsyncSession,
    *,
    grid_id: uuid.UUID,
    worker_subject: str,
    assignment_in: AssignmentIn,
    principal: Principal,
) -> GridWorker:
    principal.require_role(*MANAGE_ROLES)
    grid = await access.grid_in_scope(session, principal, grid_id)
    repository = DutyRepository(session)
    worker = GridWorker(
        grid_id=grid.id,
        worker_subject=worker_subject,
        community_code=grid.community_code,
        name_masked=access.mask_name(assignment_in.name),
    )
    if await repository.assign(worker):
        await events_of(session).record(
            WorkerAssigned(
                community_code=grid.community_code,
                grid_id=grid.id,
                worker_subject=worker_subject,
                name_masked=worker.name_masked,
            ),
            subject_id=grid.id,
        )
    stored = await repository.worker(grid.id, worker_subject)
    assert stored is not None
    return stored


async def unassign(
    session: AsyncSession, *, grid_id: uuid.UUID, worker_subject: str, principal: Principal
) -> None:
    principal.require_role(*MANAGE_ROLES)
    grid = await access.grid_in_scope(session, principal, grid_id)
    if not await DutyRepository(session).unassign(grid.id, worker_subject):
        raise WorkerNotAssigned()
    await events_of(session).record(
        WorkerUnassigned(
            community_code=grid.community_code, grid_id=grid.id, worker_subject=worker_subject
        ),
        subject_id=grid.id,
    )


async def workers(
    session: AsyncSession, *, grid_id: uuid.UUID, principal: Principal
) -> Sequence[GridWorker]:
    principal.require_role(*access.READ_ROLES, Role.GRID_WORKER)
    grid = await access.grid_in_scope(session, principal, grid_id)
    return await DutyRepository(session).workers(grid.id)


async def schedule_shift(
    session: AsyncSession, *, shift_in: ShiftIn, principal: Principal
) -> DutyShift:
    """A grid's shift goes to a worker assigned to that grid; a community's to any worker."""
    principal.require_role(*MANAGE_ROLES)
    if shift_in.grid_id is not None:
        grid = await access.grid_in_scope(session, principal, shift_in.grid_id)
        community_code = grid.community_code
        if await DutyRepository(session).worker(grid.id, shift_in.worker_subject) is None:
            raise UnknownReference("body.worker_subject", "not a worker of this grid")
    else:
        assert shift_in.community_code is not None  # the schema's rule
        community_code = shift_in.community_code
        principal.require_scope(community_code)
    shift = DutyShift(
        id=new_id(),
        community_code=community_code,
        grid_id=shift_in.grid_id,
        worker_subject=shift_in.worker_subject,
        worker_name_masked=access.mask_name(shift_in.worker_name),
        starts_at=shift_in.starts_at,
        ends_at=shift_in.ends_at,
    )
    session.add(shift)
    await session.flush()
    await events_of(session).record(
        DutyScheduled(
            community_code=community_code,
            shift_id=shift.id,
            grid_id=shift.grid_id,
            worker_subject=shift.worker_subject,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
        ),
        subject_id=shift.id,
    )
    return shift


async def on_duty(
    session: AsyncSession, *, grid_id: uuid.UUID, principal: Principal, at: datetime | None = None
) -> OnDutyRead:
    """Who answers in the grid now: its shift, else the community's duty worker, else 404."""
    principal.require_role(*access.READ_ROLES, Role.GRID_WORKER)
    grid = await access.grid_in_scope(session, principal, grid_id)
    now = at or datetime.now(UTC)
    repository = DutyRepository(session)
    shift = await repository.on_duty(grid_id=grid.id, community_code=grid.community_code, at=now)
    fallback = shift is None
    if shift is None:
        shift = await repository.on_duty(grid_id=None, community_code=grid.community_code, at=now)
    if shift is None:
        raise NobodyOnDuty()
    return OnDutyRead(
        grid_id=grid.id,
        worker_subject=shift.worker_subject,
        worker_name_masked=shift.worker_name_masked,
        until=shift.ends_at,
        fallback=fallback,
    )
