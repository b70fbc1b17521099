"""The incident state machine: which step is allowed from which state, and where it leads.

reported → dispatched → accepted → in_progress → resolved → verified → closed, plus returned
(the handler gives it back to the dispatcher), escalated (one level up; that level dispatches it
again), merged (into another incident) and reopened (the reporter says "not fixed").
"""

from __future__ import annotations

from enum import StrEnum

from linli.grid.models import IncidentStatus as S


class Action(StrEnum):
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    START = "start"
    RESOLVE = "resolve"
    RETURN = "return"
    CLOSE = "close"
    ESCALATE = "escalate"
    MERGE = "merge"
    RATE = "rate"


# Not yet in a handler's hands, or back from them: the dispatcher's inbox.
WAITING = frozenset({S.REPORTED, S.RETURNED, S.ESCALATED})
# Still to be solved: an SLA runs, and the level may escalate it.
OPEN = WAITING | {S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}

MOVES: dict[Action, tuple[frozenset[S], S]] = {
    Action.DISPATCH: (WAITING, S.DISPATCHED),
    Action.ACCEPT: (frozenset({S.DISPATCHED}), S.ACCEPTED),
    Action.START: (frozenset({S.ACCEPTED}), S.IN_PROGRESS),
    Action.RESOLVE: (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.RESOLVED),
    Action.RETURN: (frozenset({S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}), S.RETURNED),
    Action.CLOSE: (WAITING | {S.RESOLVED, S.VERIFIED}, S.CLOSED),
    Action.ESCALATE: (OPEN, S.ESCALATED),
    Action.MERGE: (WAITING | {S.DISPATCHED}, S.MERGED),
    # Fixed: verified; not fixed: reported again (see service.rate).
    Action.RATE: (frozenset({S.RESOLVED}), S.VERIFIED),
}


def allowed_moves(status: S) -> list[str]:
    """The steps allowed from `status`, in the order of the lifecycle."""
    return [action.value for action, (sources, _) in MOVES.items() if status in sources]


def can(action: Action, status: S) -> bool:
    return status in MOVES[action][0]
