"""The elder college's lottery: who gets a seat on an oversubscribed course, drawn fairly and
reproducibly from a recorded seed.

The members are put in a deterministic order (their ids, sorted), shuffled by
`random.Random(seed)`, and then served choice by choice in a snake draft: in round one every
member in the drawn order gets their first choice if it has a seat left, in round two (in the
reverse order) their second, and so on. Nobody gets more than the term's limit (they cannot
choose more), no course more members than its capacity, and a course with seats for everyone
who chose it takes them all. The same seed and the same choices give the same result.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Choice:
    resident_id: uuid.UUID
    course_id: uuid.UUID
    rank: int


def draw(
    seed: int,
    *,
    capacities: Mapping[uuid.UUID, int],
    choices: Iterable[Choice],
    limit: int,
) -> frozenset[tuple[uuid.UUID, uuid.UUID]]:
    """The (resident, course) pairs that win a seat."""
    wanted: dict[uuid.UUID, list[Choice]] = {}
    for choice in choices:
        wanted.setdefault(choice.resident_id, []).append(choice)
    preferences = {
        member: [c.course_id for c in sorted(listed, key=lambda c: (c.rank, str(c.course_id)))]
        for member, listed in wanted.items()
    }
    order = sorted(preferences, key=str)
    random.Random(seed).shuffle(order)
    seats = dict(capacities)
    won: set[tuple[uuid.UUID, uuid.UUID]] = set()
    taken = dict.fromkeys(order, 0)
    rounds = max((len(p) for p in preferences.values()), default=0)
    for round_ in range(rounds):
        for member in order if round_ % 2 == 0 else reversed(order):
            listed = preferences[member]
            if round_ >= len(listed) or taken[member] >= limit:
                continue
            course = listed[round_]
            if seats.get(course, 0) > 0:
                seats[course] -= 1
                taken[member] += 1
                won.add((member, course))
    return frozenset(won)
