"""Refusals of reports, each a problem response through the kernel's error tree."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class ReportNotFound(NotFound):
    """No such report, or one outside the caller's reach (never confirmed either way)."""

    problem = "report-not-found"
    title_en = "Report not found"
    title_zh = "反映不存在"


class NotAwaitingRating(Conflict):
    """The report's incident is not resolved (or this resolution was rated already)."""

    problem = "report-not-awaiting-rating"
    title_en = "The report cannot be rated now"
    title_zh = "当前不能评价此反映"

    def __init__(self, *, status: str, incident_status: str | None) -> None:
        super().__init__(
            f"a report is rated once its incident is resolved; it is {status}"
            + (f" (incident {incident_status})" if incident_status else ""),
            state=status,
            incident_status=incident_status,
            allowed=[],
        )


class ReportClosed(Conflict):
    """A closed report takes no more photos."""

    problem = "report-closed"
    title_en = "The report is closed"
    title_zh = "反映已办结"
