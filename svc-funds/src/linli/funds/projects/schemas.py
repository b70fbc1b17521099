"""Request and response shapes of projects: the public page shows the goal, what was raised and
from how many donors, and what was spent."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linli.common.errors import InvalidValue
from linli.funds.ledger.schemas import AmountFen
from linli.funds.models import Project, ProjectOrigin, ProjectPhoto, ProjectStatus, ProjectUpdate
from linli.funds.text import Text, Title


class ProjectBudget(BaseModel):
    """The budget the committee votes on, and the crowdfunding goal (the budget when not given;
    a fund may pay part of it itself)."""

    model_config = ConfigDict(extra="forbid")

    budget_fen: AmountFen = Field(examples=[115000])
    goal_fen: AmountFen | None = Field(default=None, examples=[115000])

    @model_validator(mode="after")
    def _goal_within_budget(self) -> Self:
        if self.goal_fen is not None and self.goal_fen > self.budget_fen:
            raise InvalidValue("goal_fen cannot exceed budget_fen", "众筹目标不能超过预算")
        return self


class ProjectCreate(BaseModel):
    """A project for a fund; a resident may leave the budget for staff to set."""

    model_config = ConfigDict(extra="forbid")

    title: Title = Field(examples=["3幢楼道清理"])
    summary: Text = Field(examples=["3幢楼道堆物多年，居民自发众筹清理并粉刷。"])
    budget: ProjectBudget | None = None


class CompletionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report: Text = Field(examples=["楼道已清理粉刷完毕，共支出1150元，详见付款记录。"])


class UpdateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Text = Field(examples=["今天清运了杂物两车。"])


class ProjectRead(BaseModel):
    """A project's public page."""

    id: uuid.UUID
    fund_id: uuid.UUID
    title: str
    summary: str
    origin: ProjectOrigin
    hall_proposal_id: uuid.UUID | None
    status: ProjectStatus
    budget_fen: int | None
    goal_fen: int | None
    raised_fen: int = Field(description="Donations received for the project (refunds taken off)")
    donors: int = Field(description="How many donations it received")
    spent_fen: int = Field(description="Payments for the project, paid out of its fund")
    approvals: int
    approvals_required: int | None
    rejected_reason: str | None
    funded_at: datetime | None = Field(description="When donations first reached the goal")
    completion_report: str | None
    completed_at: datetime | None
    decided_at: datetime | None
    created_at: datetime

    @classmethod
    def from_model(
        cls, project: Project, *, raised_fen: int, donors: int, spent_fen: int, approvals: int
    ) -> ProjectRead:
        return cls(
            id=project.id,
            fund_id=project.fund_id,
            title=project.title,
            summary=project.summary,
            origin=project.origin,
            hall_proposal_id=project.hall_proposal_id,
            status=project.status,
            budget_fen=project.budget_fen,
            goal_fen=project.goal_fen,
            raised_fen=raised_fen,
            donors=donors,
            spent_fen=spent_fen,
            approvals=approvals,
            approvals_required=project.approvals_required,
            rejected_reason=project.rejected_reason,
            funded_at=project.funded_at,
            completion_report=project.completion_report,
            completed_at=project.completed_at,
            decided_at=project.decided_at,
            created_at=project.created_at,
        )


class PhotoRead(BaseModel):
    id: uuid.UUID
    name: str
    content_type: str
    size_bytes: int
    sha256: str
    url: str = Field(description="Where the photo is served (public, as the project is)")

    @classmethod
    def from_model(cls, photo: ProjectPhoto, *, project_id: uuid.UUID) -> PhotoRead:
        return cls(
            id=photo.id,
            name=photo.name,
            content_type=photo.content_type,
            size_bytes=photo.size_bytes,
            sha256=photo.sha256,
            url=f"/api/funds/projects/{project_id}/photos/{photo.id}",
        )


class UpdateRead(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    body: str
    photos: list[PhotoRead]
    created_at: datetime

    @classmethod
    def from_model(
        cls, update: ProjectUpdate, *, photos: Sequence[ProjectPhoto] = ()
    ) -> UpdateRead:
        return cls(
            id=update.id,
            project_id=update.project_id,
            body=update.body,
            photos=[PhotoRead.from_model(p, project_id=update.project_id) for p in photos],
            created_at=update.created_at,
        )
