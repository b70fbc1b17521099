"""Refusals of the duty domain."""

from __future__ import annotations

from linli.common.errors import NotFound


class WorkerNotAssigned(NotFound):
    """The worker is not assigned to this grid."""

    problem = "worker-not-assigned"
    title_en = "Worker not assigned to this grid"
    title_zh = "该网格员未分配到此网格"


class NobodyOnDuty(NotFound):
    """Nobody is on duty in the grid, nor for its community, at that time."""

    problem = "nobody-on-duty"
    title_en = "Nobody on duty"
    title_zh = "当前无人值班"
