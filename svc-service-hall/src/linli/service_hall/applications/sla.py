"""The working-day clock of an application (承诺时限): days used, paused and left, and the due date.

Working days after the filing date count against the promise; those while the application is
returned for materials do not (each working day in (returned, resubmitted] is paused), and the
due date moves by as many. The clock stops when the application is decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from linli.service_hall import calendar
from linli.service_hall.applications.machine import ACTIVE
from linli.service_hall.models import Application, ApplicationStatus


def due_on(filed_on: date, promised: int, paused: int) -> date:
    return calendar.add_working_days(filed_on, promised + paused)


@dataclass(frozen=True, slots=True)
class Clock:
    filed_on: date
    promised_working_days: int
    working_days_used: int
    working_days_paused: int
    working_days_left: int
    due_on: date
    paused: bool
    overdue: bool
    provisional: bool


def clock(application: Application, *, today: date | None = None) -> Clock:
    """The clock as the applicant sees it on `today` (Shanghai)."""
    today = today or calendar.today()
    paused_now = (
        calendar.working_days_between(application.paused_since, today)
        if application.paused_since is not None
        else 0
    )
    paused = application.paused_days + paused_now
    if application.finished_at is not None:
        until = calendar.local_date(application.finished_at)
    else:
        until = today
    used = max(calendar.working_days_between(application.filed_on, until) - paused, 0)
    due = due_on(application.filed_on, application.promised_working_days, paused)
    running = application.status in ACTIVE
    return Clock(
        filed_on=application.filed_on,
        promised_working_days=application.promised_working_days,
        working_days_used=used,
        working_days_paused=paused,
        working_days_left=max(application.promised_working_days - used, 0),
        due_on=due,
        paused=application.status is ApplicationStatus.RETURNED,
        overdue=application.overdue_at is not None or (running and today > due),
        provisional=calendar.provisional(due),
    )
