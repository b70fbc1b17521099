"""Refusals of the division tree."""

from __future__ import annotations

from collections.abc import Sequence

from linli.common.errors import Conflict, FieldError, Forbidden, InvalidInput, LinliError, NotFound
from linli.residents.divisions.schemas import DivisionRowError


class DivisionNotFound(NotFound):
    """No division with this code in the caller's scope."""

    problem = "division-not-found"
    title_en = "Division not found"
    title_zh = "区划不存在"


class DivisionFileUnreadable(InvalidInput):
    """The upload is not a UTF-8 CSV with a `code,name` header and at least one row."""

    problem = "division-file-unreadable"
    title_en = "Division file cannot be read"
    title_zh = "区划文件无法读取"


class DivisionFileTooLarge(LinliError):
    """The upload is larger than a division list can reasonably be."""

    status = 413
    problem = "division-file-too-large"
    title_en = "Division file too large"
    title_zh = "区划文件过大"


class DivisionFileMediaType(LinliError):
    """The import was sent as something other than text/csv or a multipart upload."""

    status = 415
    problem = "unsupported-media-type"
    title_en = "Unsupported media type"
    title_zh = "不支持的文件类型"


class DivisionRowsInvalid(InvalidInput):
    """Some rows of an import are invalid; `rows` lists every one, and nothing was stored."""

    problem = "division-rows-invalid"
    title_en = "Division rows invalid"
    title_zh = "区划数据有误"

    def __init__(self, rows: Sequence[DivisionRowError]) -> None:
        super().__init__(
            f"{len(rows)} row(s) are invalid; nothing was imported",
            rows=[row.model_dump() for row in rows],
        )


class DivisionRowsOutOfScope(Forbidden):
    """Some rows of an import lie outside the importer's scope; nothing was stored."""

    problem = "division-rows-out-of-scope"
    title_en = "Division rows outside your scope"
    title_zh = "区划超出管辖范围"

    def __init__(self, rows: Sequence[DivisionRowError], *, scope: str) -> None:
        super().__init__(
            f"{len(rows)} row(s) lie outside your scope {scope or '(none)'}; nothing was imported",
            rows=[row.model_dump() for row in rows],
        )


class DivisionInUse(Conflict):
    """The division still has units below it or records in it; `held_by` names what."""

    problem = "division-in-use"
    title_en = "Division in use"
    title_zh = "区划仍在使用"

    def __init__(self, held_by: Sequence[str]) -> None:
        super().__init__(
            "only an empty division can be deleted; it still has: " + ", ".join(held_by),
            held_by=list(held_by),
        )


class UnknownCommunity(InvalidInput):
    """The community code names no imported community."""

    problem = "unknown-community"
    title_en = "Unknown community"
    title_zh = "社区不存在"

    def __init__(self, code: str) -> None:
        message = f"no community {code} has been imported"
        error = FieldError(
            "body.community_code", "unknown_community", message, f"社区 {code} 尚未导入"
        )
        super().__init__(message, errors=[error])
