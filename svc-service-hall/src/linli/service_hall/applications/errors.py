"""Refusals of applications, each a problem response through the kernel's error tree."""

from __future__ import annotations

from collections.abc import Sequence

from linli.common import errors
from linli.common.errors import FieldError, InvalidInput, NotFound


class ApplicationNotFound(NotFound):
    """No such application (or filing, or file), or not one the caller may see."""

    problem = "application-not-found"
    title_en = "Application not found"
    title_zh = "申请不存在"


class IllegalMove(errors.IllegalMove):
    """The step is not allowed from the application's current state; names the moves that are."""

    noun = "an application"
    title_en = "Not allowed in the application's current state"


def _invalid(field: str, message: str, zh: str, kind: str) -> list[FieldError]:
    return [FieldError(field, kind, message, zh)]


class NotOffered(InvalidInput):
    """The item is not offered in the resident's community, or not through this channel."""

    problem = "not-offered"
    title_en = "Not offered to this resident"
    title_zh = "该事项不在此社区或此渠道办理"

    def __init__(self, field: str, message: str, zh: str) -> None:
        super().__init__(message, errors=_invalid(field, message, zh, "not_offered"))


class MissingMaterials(InvalidInput):
    """Required materials are missing; names them."""

    problem = "missing-materials"
    title_en = "Required materials missing"
    title_zh = "缺少必需材料"

    def __init__(self, missing: Sequence[str]) -> None:
        message = "required materials missing: " + ", ".join(missing)
        super().__init__(
            message,
            missing=list(missing),
            errors=_invalid(
                "body.files", message, "缺少必需材料：" + "、".join(missing), "missing"
            ),
        )


class UnknownMaterial(InvalidInput):
    """A file names a material the item (or bundle) does not ask for, or the form is malformed."""

    problem = "unknown-material"
    title_en = "Unknown material"
    title_zh = "未知的材料"

    def __init__(self, field: str, message: str, zh: str) -> None:
        super().__init__(message, errors=_invalid(field, message, zh, "unknown_material"))


class BackEntryRefused(InvalidInput):
    """`received_on` given by a resident, in the future, or too far back."""

    problem = "back-entry-refused"
    title_en = "Received date not accepted"
    title_zh = "收件日期不被接受"

    def __init__(self, message: str) -> None:
        super().__init__(
            message, errors=_invalid("body.received_on", message, "收件日期不被接受", "back_entry")
        )


class UnknownResident(InvalidInput):
    """A worker filed for a resident the hall does not know (not in the registry's events)."""

    problem = "unknown-resident"
    title_en = "Unknown resident"
    title_zh = "居民不存在"

    def __init__(self, message: str) -> None:
        super().__init__(
            message, errors=_invalid("body.resident_id", message, "居民不存在", "unknown_resident")
        )
