"""Refusals of committees."""

from __future__ import annotations

from linli.common.errors import Conflict, Forbidden, NotFound


class MemberNotFound(NotFound):
    """No such seat on this fund's committee."""

    problem = "committee-member-not-found"
    title_en = "Committee member not found"
    title_zh = "委员不存在"


class AlreadyMember(Conflict):
    """This account holds a seat on the committee already (change its term instead)."""

    problem = "already-committee-member"
    title_en = "Already a committee member"
    title_zh = "已是该基金委员"


class NotACommitteeMember(Forbidden):
    """Only members of the fund's committee decide its payments."""

    problem = "not-a-committee-member"
    title_en = "Not a member of this fund's committee"
    title_zh = "不是该基金管理委员会委员"


class TermNotRunning(Forbidden):
    """The member's term has ended (or not begun): they decide nothing now."""

    problem = "term-not-running"
    title_en = "The member's term is not running"
    title_zh = "委员任期未开始或已结束"


class CommitteeTooSmall(Conflict):
    """Fewer members could approve the request than its amount needs."""

    problem = "committee-too-small"
    title_en = "Not enough committee members to approve this amount"
    title_zh = "可审批的委员人数不足"
