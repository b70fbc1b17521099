"""The proposal's course: discussing → under_review → adopted → in_progress → done, or
not_adopted (with an answer) from discussing or under review."""

from __future__ import annotations

from enum import StrEnum

from linli.service_hall.models.proposals import ProposalStatus as S


class Move(StrEnum):
    REVIEW = "review"  # onto the agenda (also when the supports reach the threshold)
    ADOPT = "adopt"
    START = "start"
    COMPLETE = "complete"
    REJECT = "reject"  # not adopted, with the answer


MOVES: dict[Move, tuple[frozenset[S], S]] = {
    Move.REVIEW: (frozenset({S.DISCUSSING}), S.UNDER_REVIEW),
    Move.ADOPT: (frozenset({S.UNDER_REVIEW}), S.ADOPTED),
    Move.START: (frozenset({S.ADOPTED}), S.IN_PROGRESS),
    Move.COMPLETE: (frozenset({S.IN_PROGRESS}), S.DONE),
    Move.REJECT: (frozenset({S.DISCUSSING, S.UNDER_REVIEW}), S.NOT_ADOPTED),
}

# Still open to supports and comments.
OPEN = frozenset({S.DISCUSSING, S.UNDER_REVIEW})
# Finished: comments are closed.
CLOSED = frozenset({S.DONE, S.NOT_ADOPTED})
# Where progress updates are told.
UNDER_WAY = frozenset({S.ADOPTED, S.IN_PROGRESS})


def allowed_moves(status: S) -> list[str]:
    return [move.value for move, (sources, _) in MOVES.items() if status in sources]
