"""Business rules of projects (金点子 → 公益项目).

A project is proposed to a fund by its staff, by a resident of its division, or by the service
hall when a 议一议 proposal is adopted. The committee votes on a budget under the rules payments
follow (`committees.service.approvals_needed`: n of m, more above the per-payment limit; never the
proposer, never twice); one rejection ends it. Once approved it takes donations towards its goal
(posted to its fund's ledger, the donation naming the project), payments linked to it, and
updates on the work; staff complete it with a report of what was raised and spent.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.conflicts import insert_or_conflict
from linli.common.files import PHOTOS, FileStore, discard_on_rollback
from linli.common.pagination import Page
from linli.funds.access import MANAGE_ROLES, any_fund, managed_fund
from linli.funds.audit import service as audit
from linli.funds.committees.repository import CommitteeRepository
from linli.funds.committees.service import approvals_needed, serving_seat, today
from linli.funds.funds.errors import FundNotFound
from linli.funds.funds.events import about
from linli.funds.models import (
    Fund,
    Project,
    ProjectApproval,
    ProjectOrigin,
    ProjectPhoto,
    ProjectStatus,
    ProjectUpdate,
)
from linli.funds.payments.errors import AlreadyApproved, SelfApproval
from linli.funds.payments.schemas import RejectionCreate
from linli.funds.projects.errors import (
    BudgetFixed,
    BudgetMissing,
    PaymentsPending,
    PhotoNotFound,
    ProjectNotFound,
    ProjectNotOpen,
    ProjectNotPending,
)
from linli.funds.projects.events import (
    ProjectApproved,
    ProjectBudgetSet,
    ProjectCompleted,
    ProjectFunded,
    ProjectProposed,
    ProjectRejected,
    ProjectUpdated,
    ProjectVoted,
)
from linli.funds.projects.repository import (
    PROJECT_ORDER,
    UPDATE_ORDER,
    ProjectRepository,
    Tally,
)
from linli.funds.projects.schemas import (
    CompletionCreate,
    ProjectBudget,
    ProjectCreate,
    ProjectRead,
    UpdateCreate,
    UpdateRead,
)

# Residents propose to the funds of their own division; staff to those they manage.
PROPOSE_ROLES = (*MANAGE_ROLES, Role.RESIDENT)


async def read(session: AsyncSession, project: Project) -> ProjectRead:
    tally = (await ProjectRepository(session).tallies([project.id]))[project.id]
    return _read(project, tally)


def _read(project: Project, tally: Tally) -> ProjectRead:
    return ProjectRead.from_model(
        project,
        raised_fen=tally.raised_fen,
        donors=tally.donors,
        spent_fen=tally.spent_fen,
        approvals=tally.approvals,
    )


async def propose(
    session: AsyncSession, *, principal: Principal, fund_id: uuid.UUID, project_in: ProjectCreate
) -> ProjectRead:
    principal.require_role(*PROPOSE_ROLES)
    fund = await any_fund(session, fund_id)
    if not principal.covers(fund.division_code):
        raise FundNotFound()
    origin = ProjectOrigin.STAFF if principal.has_role(*MANAGE_ROLES) else ProjectOrigin.RESIDENT
    project = await create(
        session,
        fund,
        title=project_in.title,
        summary=project_in.summary,
        origin=origin,
        proposed_by=principal.subject,
        budget=project_in.budget,
    )
    assert project is not None
    return await read(session, project)


async def create(
    session: AsyncSession,
    fund: Fund,
    *,
    title: str,
    summary: str,
    origin: ProjectOrigin,
    proposed_by: str,
    budget: ProjectBudget | None = None,
    hall_proposal_id: uuid.UUID | None = None,
) -> Project | None:
    """A proposed project; None when the hall's proposal has its project already."""
    project = Project(
        fund_id=fund.id,
        title=title,
        summary=summary,
        origin=origin,
        proposed_by=proposed_by,
        hall_proposal_id=hall_proposal_id,
        status=ProjectStatus.PROPOSED,
    )
    if budget is not None:
        await _fix_budget(session, fund, project, budget)
    if await insert_or_conflict(session, project):
        return None
    await audit.record(
        session,
        ProjectProposed(
            **about(fund),
            project_id=project.id,
            title=project.title,
            origin=project.origin,
            hall_proposal_id=project.hall_proposal_id,
            budget_fen=project.budget_fen,
            goal_fen=project.goal_fen,
        ),
        subject_id=project.id,
        actor=proposed_by,
    )
    return project


async def _fix_budget(
    session: AsyncSession, fund: Fund, project: Project, budget: ProjectBudget
) -> None:
    serving = await CommitteeRepository(session).serving(fund.id, today())
    deciders = [m for m in serving if m.subject != project.proposed_by]
    project.approvals_required = approvals_needed(
        fund, amount_fen=budget.budget_fen, serving=len(serving), deciders=len(deciders)
    )
    project.budget_fen = budget.budget_fen
    project.goal_fen = budget.goal_fen or budget.budget_fen


async def set_budget(
    session: AsyncSession, *, principal: Principal, project_id: uuid.UUID, budget: ProjectBudget
) -> ProjectRead:
    """Staff set the budget of a proposed project (a hall's comes without one), until a member
    approves it."""
    project, fund = await _managed(session, principal, project_id)
    if project.status is not ProjectStatus.PROPOSED:
        raise ProjectNotPending(f"the project is {project.status.value}")
    if (await ProjectRepository(session).tallies([project.id]))[project.id].approvals:
        raise BudgetFixed()
    await _fix_budget(session, fund, project, budget)
    await session.flush()
    assert project.budget_fen is not None and project.goal_fen is not None
    assert project.approvals_required is not None
    await audit.record(
        session,
        ProjectBudgetSet(
            **about(fund),
            project_id=project.id,
            budget_fen=project.budget_fen,
            goal_fen=project.goal_fen,
            approvals_required=project.approvals_required,
        ),
        subject_id=project.id,
        actor=principal.subject,
    )
    return await read(session, project)


async def _project(
    session: AsyncSession, project_id: uuid.UUID, *, for_update: bool = False
) -> Project:
    project = await ProjectRepository(session).get(project_id, for_update=for_update)
    if project is None:
        raise ProjectNotFound()
    return project


async def _managed(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> tuple[Project, Fund]:
    """The project, locked, and its fund: 403 for roles that never manage, 404 out of scope."""
    principal.require_role(*MANAGE_ROLES)
    project = await _project(session, project_id, for_update=True)
    try:
        fund = await managed_fund(session, principal, project.fund_id)
    except FundNotFound as exc:
        raise ProjectNotFound() from exc
    return project, fund


async def _decidable(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> tuple[Project, Fund, uuid.UUID]:
    """The project, locked, its fund and the caller's seat: every refusal before any change."""
    project = await _project(session, project_id, for_update=True)
    fund = await any_fund(session, project.fund_id)
    seat = await serving_seat(session, fund, principal)
    if principal.subject == project.proposed_by:
        raise SelfApproval()
    if project.status is not ProjectStatus.PROPOSED:
        raise ProjectNotPending(f"the project is {project.status.value}")
    return project, fund, seat.id


async def approve(
    session: AsyncSession, *, principal: Principal, project_id: uuid.UUID
) -> ProjectRead:
    project, fund, member_id = await _decidable(session, principal, project_id)
    if project.approvals_required is None or project.budget_fen is None:
        raise BudgetMissing()
    if await insert_or_conflict(
        session, ProjectApproval(project_id=project.id, member_id=member_id)
    ):
        raise AlreadyApproved()
    approvals = (await ProjectRepository(session).tallies([project.id]))[project.id].approvals
    await audit.record(
        session,
        ProjectVoted(
            **about(fund),
            project_id=project.id,
            member_id=member_id,
            approvals=approvals,
            approvals_required=project.approvals_required,
        ),
        subject_id=project.id,
        actor=principal.subject,
    )
    if approvals >= project.approvals_required:
        assert project.goal_fen is not None
        project.status = ProjectStatus.APPROVED
        project.decided_at = datetime.now(UTC)
        await session.flush()
        await audit.record(
            session,
            ProjectApproved(
                **about(fund),
                project_id=project.id,
                budget_fen=project.budget_fen,
                goal_fen=project.goal_fen,
            ),
            subject_id=project.id,
            actor=principal.subject,
        )
    return await read(session, project)


async def reject(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: uuid.UUID,
    rejection_in: RejectionCreate,
) -> ProjectRead:
    project, fund, member_id = await _decidable(session, principal, project_id)
    project.status = ProjectStatus.REJECTED
    project.rejected_reason = rejection_in.reason
    project.decided_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        ProjectRejected(
            **about(fund), project_id=project.id, member_id=member_id, reason=rejection_in.reason
        ),
        subject_id=project.id,
        actor=principal.subject,
    )
    return await read(session, project)


async def open_project(
    session: AsyncSession, project_id: uuid.UUID, *, for_update: bool = False
) -> Project:
    """A project under way (approved, not completed): what donations, payments and updates need."""
    project = await _project(session, project_id, for_update=for_update)
    if project.status is not ProjectStatus.APPROVED:
        raise ProjectNotOpen(f"the project is {project.status.value}", status=project.status.value)
    return project


async def after_donation(session: AsyncSession, fund: Fund, project_id: uuid.UUID) -> None:
    """A donation to the project was posted: the first time the donations reach the goal, the
    project is funded. The project's row lock makes that first time happen once."""
    project = await _project(session, project_id, for_update=True)
    if project.funded_at is not None or project.goal_fen is None:
        return
    raised = (await ProjectRepository(session).tallies([project.id]))[project.id].raised_fen
    if raised < project.goal_fen:
        return
    project.funded_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        ProjectFunded(
            **about(fund), project_id=project.id, goal_fen=project.goal_fen, raised_fen=raised
        ),
        subject_id=project.id,
        actor="linli-funds",
    )


async def add_update(
    session: AsyncSession, *, principal: Principal, project_id: uuid.UUID, update_in: UpdateCreate
) -> UpdateRead:
    project, fund = await _managed(session, principal, project_id)
    if project.status is not ProjectStatus.APPROVED:
        raise ProjectNotOpen(f"the project is {project.status.value}", status=project.status.value)
    update = ProjectUpdate(project_id=project.id, body=update_in.body, author=principal.subject)
    session.add(update)
    await session.flush()
    await audit.record(
        session,
        ProjectUpdated(**about(fund), project_id=project.id, update_id=update.id, photos=0),
        subject_id=project.id,
        actor=principal.subject,
    )
    return UpdateRead.from_model(update)


async def complete(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: uuid.UUID,
    completion_in: CompletionCreate,
) -> ProjectRead:
    """Staff close the project with a report; every payment for it must be decided first, so
    the money spent it states is final."""
    project, fund = await _managed(session, principal, project_id)
    if project.status is not ProjectStatus.APPROVED:
        raise ProjectNotOpen(f"the project is {project.status.value}", status=project.status.value)
    repository = ProjectRepository(session)
    if pending := await repository.pending_payments(project.id):
        raise PaymentsPending(f"{pending} payment requests wait for a decision", pending=pending)
    project.status = ProjectStatus.COMPLETED
    project.completion_report = completion_in.report
    project.completed_at = datetime.now(UTC)
    await session.flush()
    tally = (await repository.tallies([project.id]))[project.id]
    await audit.record(
        session,
        ProjectCompleted(
            **about(fund),
            project_id=project.id,
            raised_fen=tally.raised_fen,
            spent_fen=tally.spent_fen,
        ),
        subject_id=project.id,
        actor=principal.subject,
    )
    return _read(project, tally)


async def get_project(session: AsyncSession, *, project_id: uuid.UUID) -> ProjectRead:
    return await read(session, await _project(session, project_id))


async def list_projects(
    session: AsyncSession,
    *,
    fund_id: uuid.UUID,
    status: ProjectStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[ProjectRead]:
    fund = await any_fund(session, fund_id)
    repository = ProjectRepository(session)
    projects = await repository.list(
        fund.id, status=status, after=PROJECT_ORDER.decode(cursor), limit=limit
    )
    tallies = await repository.tallies([p.id for p in projects])
    return PROJECT_ORDER.page(projects, limit=limit, read=lambda p: _read(p, tallies[p.id]))


async def list_updates(
    session: AsyncSession, *, project_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[UpdateRead]:
    project = await _project(session, project_id)
    repository = ProjectRepository(session)
    updates = await repository.updates(project.id, after=UPDATE_ORDER.decode(cursor), limit=limit)
    photos = await repository.photos([u.id for u in updates])
    return UPDATE_ORDER.page(
        updates, limit=limit, read=lambda u: UpdateRead.from_model(u, photos=photos[u.id])
    )


async def add_photo(
    session: AsyncSession,
    *,
    principal: Principal,
    files: FileStore,
    project_id: uuid.UUID,
    update_id: uuid.UUID,
    upload: UploadFile,
) -> UpdateRead:
    """A photo for an update of a project under way: type by content (JPEG, PNG, WebP), at
    most 10 MB; a refusal, or a failure later in the request, leaves no file behind."""
    project, fund = await _managed(session, principal, project_id)
    if project.status is not ProjectStatus.APPROVED:
        raise ProjectNotOpen(f"the project is {project.status.value}", status=project.status.value)
    repository = ProjectRepository(session)
    update = await repository.update(project.id, update_id)
    if update is None:
        raise PhotoNotFound()
    stored = await files.save(upload, PHOTOS, folder=f"projects/{project.id}/{update.id}")
    discard_on_rollback(session, files, stored.key)
    session.add(
        ProjectPhoto(
            update_id=update.id,
            key=stored.key,
            name=stored.name,
            content_type=stored.content_type,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
        )
    )
    await session.flush()
    photos = (await repository.photos([update.id]))[update.id]
    await audit.record(
        session,
        ProjectUpdated(
            **about(fund), project_id=project.id, update_id=update.id, photos=len(photos)
        ),
        subject_id=project.id,
        actor=principal.subject,
    )
    return UpdateRead.from_model(update, photos=photos)


async def photo(
    session: AsyncSession, *, project_id: uuid.UUID, photo_id: uuid.UUID
) -> ProjectPhoto:
    """Photos are as public as their project's page."""
    found = await ProjectRepository(session).photo(project_id, photo_id)
    if found is None:
        raise PhotoNotFound()
    return found
