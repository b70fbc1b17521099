"""Refusals of change requests."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound
from linli.residents.models import ChangeRequestStatus


class ChangeRequestNotFound(NotFound):
    """No change request with this id that the caller may see."""

    problem = "change-request-not-found"
    title_en = "Change request not found"
    title_zh = "变更申请不存在"


class ChangeRequestNotPending(Conflict):
    """The change request was already approved or rejected."""

    problem = "change-request-not-pending"
    title_en = "Change request already decided"
    title_zh = "变更申请已处理"

    def __init__(self, status: ChangeRequestStatus) -> None:
        super().__init__(f"the change request is already {status.value}", status=status.value)


class ChangeRequestAlreadyPending(Conflict):
    """The resident already has a change request waiting for review."""

    problem = "change-request-already-pending"
    title_en = "A change request is already pending"
    title_zh = "已有待审核的变更申请"
