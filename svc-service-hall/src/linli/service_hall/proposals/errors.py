"""Refusals of proposals, each a problem response through the kernel's error tree."""

from __future__ import annotations

from linli.common import errors
from linli.common.errors import Conflict, InvalidInput, NotFound


class ProposalNotFound(NotFound):
    """No such proposal, or one the caller may not see."""

    problem = "proposal-not-found"
    title_en = "Proposal not found"
    title_zh = "议题不存在"


class CommentNotFound(NotFound):
    """No such comment of this proposal."""

    problem = "comment-not-found"
    title_en = "Comment not found"
    title_zh = "评论不存在"


class IllegalMove(errors.IllegalMove):
    """The move is not allowed from the proposal's status; names the moves that are."""

    noun = "a proposal"
    title_en = "Not allowed in the proposal's current state"


class ProposalClosed(Conflict):
    """The proposal (or the comment replied to) is hidden, or finished: it takes no more."""

    problem = "proposal-closed"
    title_en = "The proposal takes no more of this"
    title_zh = "议题已关闭或已隐藏"


class AnswerRequired(InvalidInput):
    """Not adopting a proposal needs the answer the residents will read."""

    problem = "answer-required"
    title_en = "An answer is required"
    title_zh = "需要答复"
