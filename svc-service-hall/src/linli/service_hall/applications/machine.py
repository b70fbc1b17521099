"""The application state machine: submitted → accepted → in_progress → completed, or rejected,
or returned for materials (the resident uploads and resubmits: back where it was)."""

from __future__ import annotations

from enum import StrEnum

from linli.service_hall.models import ApplicationStatus as S


class Action(StrEnum):
    ACCEPT = "accept"
    START = "start"
    COMPLETE = "complete"
    REJECT = "reject"
    RETURN = "return"
    RESUBMIT = "resubmit"


# The clock runs in these; it pauses while returned and stops when decided.
ACTIVE = frozenset({S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS})
FINISHED = frozenset({S.COMPLETED, S.REJECTED})

# Each action: the states it may be taken from, and where it leads (resubmit: `returned_from`).
MOVES: dict[Action, tuple[frozenset[S], S | None]] = {
    Action.ACCEPT: (frozenset({S.SUBMITTED}), S.ACCEPTED),
    Action.START: (frozenset({S.ACCEPTED}), S.IN_PROGRESS),
    Action.COMPLETE: (frozenset({S.IN_PROGRESS}), S.COMPLETED),
    Action.REJECT: (ACTIVE, S.REJECTED),
    Action.RETURN: (ACTIVE, S.RETURNED),
    Action.RESUBMIT: (frozenset({S.RETURNED}), None),
}
# Steps of hall staff; resubmitting is the applicant's (or the worker filing for them).
STAFF_ACTIONS = (Action.ACCEPT, Action.START, Action.COMPLETE, Action.REJECT, Action.RETURN)


def allowed_moves(status: S) -> list[str]:
    """The steps allowed from `status`, in the order of the lifecycle."""
    return [action.value for action, (sources, _) in MOVES.items() if status in sources]


def can(action: Action, status: S) -> bool:
    return status in MOVES[action][0]
