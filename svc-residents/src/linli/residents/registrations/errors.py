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


class AlreadyAResident(Conflict):
    """The ID number belongs to a resident of the registry already (whose is not said)."""

    problem = "already-a-resident"
    title_en = "Already a resident"
    title_zh = "已是登记居民"

    def __init__(self) -> None:
        super().__init__(
            "a resident with this ID number is already in the registry; ask your community's "
            "workers to link your account or record a move"
        )
