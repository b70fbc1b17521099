"""Refusals of directives, each a problem response through the kernel's error tree."""

from __future__ import annotations

from linli.common.errors import Conflict, FieldError, InvalidInput, NotFound


class DirectiveNotFound(NotFound):
    """No such directive, none sent to the caller's community, or one outside their reach."""

    problem = "directive-not-found"
    title_en = "Directive not found"
    title_zh = "指令不存在"


class NotAcknowledged(Conflict):
    """Completion is reported after the community has signed for the directive (签收), not before."""

    problem = "directive-not-acknowledged"
    title_en = "Acknowledge the directive first"
    title_zh = "请先签收指令"


class AlreadyCompleted(Conflict):
    """The community has reported completion already; a report is not rewritten."""

    problem = "directive-already-completed"
    title_en = "Already completed"
    title_zh = "已报告完成"


class NoCommunities(InvalidInput):
    """The issuer has no community below it that the grid knows: nobody would receive it."""

    problem = "directive-no-communities"
    title_en = "No communities to send to"
    title_zh = "没有可下发的社区"

    def __init__(self, detail: str) -> None:
        super().__init__(
            detail,
            errors=[FieldError("body.communities", "no_communities", detail, "辖区内没有已知社区")],
        )


class UnknownCommunities(InvalidInput):
    """Chosen communities the grid does not know (no grid, building or household of theirs)."""

    problem = "directive-unknown-communities"
    title_en = "Unknown communities"
    title_zh = "社区不存在"

    def __init__(self, codes: list[str]) -> None:
        detail = "unknown communities: " + ", ".join(codes)
        super().__init__(
            detail,
            errors=[FieldError("body.communities", "unknown_reference", detail, "社区不存在")],
            codes=codes,
        )


class DeadlinePassed(InvalidInput):
    """A deadline that is not in the future."""

    problem = "invalid-input"

    def __init__(self) -> None:
        super().__init__(
            "the deadline must be in the future",
            errors=[
                FieldError(
                    "body.deadline", "deadline_past", "must be in the future", "截止时间须晚于现在"
                )
            ],
        )


class TooManyFiles(InvalidInput):
    """More files than a directive or a completion report holds."""

    problem = "too-many-files"
    title_en = "Too many files"
    title_zh = "文件数量过多"

    def __init__(self, field: str, limit: int) -> None:
        detail = f"at most {limit} files"
        super().__init__(
            detail,
            errors=[FieldError(f"body.{field}", "too_many", detail, f"最多 {limit} 个文件")],
            max_files=limit,
        )
