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


class DirectiveWithdrawn(Conflict):
    """The issuer withdrew the directive: it is no longer amended, acknowledged or completed."""

    problem = "directive-withdrawn"
    title_en = "The directive was withdrawn"
    title_zh = "指令已撤回"


class RevisionMismatch(Conflict):
    """The amendment was written against an older revision: someone amended it in between."""

    problem = "directive-revision-mismatch"
    title_en = "The directive was amended in the meantime"
    title_zh = "指令已被他人修改，请刷新后重试"

    def __init__(self, *, current: int, given: int) -> None:
        super().__init__(
            f"written against revision {given}, the directive is at revision {current}: "
            "read it again and reapply your change",
            revision=current,
        )


class NothingToAmend(InvalidInput):
    """An amendment that names no field to change."""

    problem = "invalid-input"

    def __init__(self) -> None:
        detail = "name at least one of title, body, deadline, remind_at"
        super().__init__(
            detail, errors=[FieldError("body", "no_changes", detail, "请至少修改一项")]
        )


class BadTime(InvalidInput):
    """A new deadline or reminder time that is past, or a reminder not before the deadline."""

    problem = "invalid-input"

    def __init__(self, field: str, kind: str, en: str, zh: str) -> None:
        super().__init__(f"{field}: {en}", errors=[FieldError(f"body.{field}", kind, en, zh)])


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
