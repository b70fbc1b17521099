"""Events of projects, on the subject of the project's fund. Titles and texts are what staff and
residents wrote for the public page (checked free of ID and phone numbers); never an account."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from linli.funds.funds.events import FundEvent
from linli.funds.models import ProjectOrigin


class ProjectEvent(FundEvent):
    entity: ClassVar[str] = "project"

    project_id: uuid.UUID


class ProjectProposed(ProjectEvent):
    """A project was put forward (by staff, a resident, or from the hall's adopted proposal)."""

    verb: ClassVar[str] = "proposed"

    type: Literal["cn.linli.funds.project.proposed.v1"] = "cn.linli.funds.project.proposed.v1"
    title: str
    origin: ProjectOrigin
    hall_proposal_id: uuid.UUID | None
    budget_fen: int | None
    goal_fen: int | None


class ProjectBudgetSet(ProjectEvent):
    """Staff set (or changed, before any approval) the budget the committee votes on."""

    verb: ClassVar[str] = "budget_set"

    type: Literal["cn.linli.funds.project.budget_set.v1"] = "cn.linli.funds.project.budget_set.v1"
    budget_fen: int
    goal_fen: int
    approvals_required: int


class ProjectVoted(ProjectEvent):
    """One committee member approved the project."""

    verb: ClassVar[str] = "voted"

    type: Literal["cn.linli.funds.project.voted.v1"] = "cn.linli.funds.project.voted.v1"
    member_id: uuid.UUID
    approvals: int
    approvals_required: int


class ProjectApproved(ProjectEvent):
    """The approval that completed the quorum: crowdfunding and work may start."""

    verb: ClassVar[str] = "approved"

    type: Literal["cn.linli.funds.project.approved.v1"] = "cn.linli.funds.project.approved.v1"
    budget_fen: int
    goal_fen: int


class ProjectRejected(ProjectEvent):
    """A committee member rejected the project, with a reason shown on the public page."""

    verb: ClassVar[str] = "rejected"

    type: Literal["cn.linli.funds.project.rejected.v1"] = "cn.linli.funds.project.rejected.v1"
    member_id: uuid.UUID
    reason: str


class ProjectFunded(ProjectEvent):
    """Donations to the project reached its goal (once, the first time they do)."""

    verb: ClassVar[str] = "funded"

    type: Literal["cn.linli.funds.project.funded.v1"] = "cn.linli.funds.project.funded.v1"
    goal_fen: int
    raised_fen: int


class ProjectUpdated(ProjectEvent):
    """Staff reported on the work (text, photos)."""

    verb: ClassVar[str] = "updated"

    type: Literal["cn.linli.funds.project.updated.v1"] = "cn.linli.funds.project.updated.v1"
    update_id: uuid.UUID
    photos: int


class ProjectCompleted(ProjectEvent):
    """The completion report is in, with what was raised and spent."""

    verb: ClassVar[str] = "completed"

    type: Literal["cn.linli.funds.project.completed.v1"] = "cn.linli.funds.project.completed.v1"
    raised_fen: int
    spent_fen: int
