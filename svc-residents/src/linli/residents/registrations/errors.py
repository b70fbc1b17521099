"""Refusals of self-registration and its review."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound
from linli.residents.models import RegistrationStatus


class RegistrationNotFound(NotFound):
    """No registration with this id that the caller may see."""

    problem = "registration-not-found"
    title_en = "Registration not found"
    title_zh = "登记不存在"


class RegistrationNotPending(Conflict):
    """The registration was already approved or rejected."""

    problem = "registration-not-pending"
    title_en = "Registration already decided"
    title_zh = "登记已处理"

    def __init__(self, status: RegistrationStatus) -> None:
        super().__init__(f"the registration is already {status.value}", status=status.value)


class RegistrationAlreadyPending(Conflict):
    """A registration with the same ID number already waits in this community's queue."""

    problem = "registration-already-pending"
    title_en = "Registration already pending"
    title_zh = "已有待审核的登记"
