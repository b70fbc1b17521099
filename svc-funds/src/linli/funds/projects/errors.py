"""Refusals of projects."""

from __future__ import annotations

from linli.common.errors import Conflict, InvalidInput, NotFound


class ProjectNotFound(NotFound):
    """No project with this id (or none the caller manages)."""

    problem = "project-not-found"
    title_en = "Project not found"
    title_zh = "项目不存在"


class ProjectNotPending(Conflict):
    """The committee has decided on the project already."""

    problem = "project-not-pending"
    title_en = "The project is decided already"
    title_zh = "该项目已表决"


class BudgetMissing(Conflict):
    """The committee votes on a budget: staff set it first."""

    problem = "project-budget-missing"
    title_en = "The project has no budget yet"
    title_zh = "项目尚未设定预算"


class BudgetFixed(Conflict):
    """Members have approved the budget as it stands: it no longer changes."""

    problem = "project-budget-fixed"
    title_en = "The budget is fixed once members approve it"
    title_zh = "已有委员同意，预算不能再改"


class ProjectNotOpen(Conflict):
    """Only an approved project, not yet completed, takes donations, payments and updates."""

    problem = "project-not-open"
    title_en = "The project is not under way"
    title_zh = "项目未在实施中"


class PaymentsPending(Conflict):
    """A project completes once every payment for it is decided."""

    problem = "project-payments-pending"
    title_en = "The project has undecided payment requests"
    title_zh = "项目尚有未处理的付款申请"


class ProjectOfAnotherFund(InvalidInput):
    """A payment for a project comes out of the project's own fund."""

    problem = "project-of-another-fund"
    title_en = "The project belongs to another fund"
    title_zh = "该项目不属于此基金"


class PhotoNotFound(NotFound):
    """No such update or photo of this project."""

    problem = "project-photo-not-found"
    title_en = "Update or photo not found"
    title_zh = "项目进展或照片不存在"
