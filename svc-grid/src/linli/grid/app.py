"""The ASGI app of svc-grid: the kernel's service frame plus this service's routers."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI

from linli.common.app import create_service_app
from linli.common.auth import TokenVerifier
from linli.grid.api import routers
from linli.grid.campaigns.timers import REMINDER_TIMER as CAMPAIGN_REMINDER_TIMER
from linli.grid.campaigns.timers import WINDOW_TIMER
from linli.grid.config import Settings
from linli.grid.directives.timers import DEADLINE_TIMER
from linli.grid.directives.timers import REMINDER_TIMER as DIRECTIVE_REMINDER_TIMER
from linli.grid.incidents.from_reports import HALL_REPORTS_CONSUMER
from linli.grid.incidents.timers import SLA_TIMER
from linli.grid.places.handlers import PLACES_CONSUMER
from linli.grid.roster.handlers import ROSTER_CONSUMER

# Durable subscriptions of the grid, one per thing it keeps from other services' events.
CONSUMERS = (ROSTER_CONSUMER, PLACES_CONSUMER, HALL_REPORTS_CONSUMER)
# Durable timers the grid fires (in every replica, each timer once).
TIMERS = (
    SLA_TIMER,
    CAMPAIGN_REMINDER_TIMER,
    WINDOW_TIMER,
    DIRECTIVE_REMINDER_TIMER,
    DEADLINE_TIMER,
)

DESCRIPTION = "Grid management (网格化管理): incidents (事件) from report to verification with SLA escalation up the levels, and grid workers and duty rosters, and the household roster (户籍名册) kept from the registry's events. Campaigns (全员排查) that leave no household unreached, with exact coverage, and patrols and visits (巡查/走访). Directives from above (上级指令) tracked to the last community: issued down, acknowledged and completed up, reminded and reported overdue by durable timers."


def create_app(
    settings: Settings | None = None, *, token_verifier: TokenVerifier | None = None
) -> FastAPI:
    """Build the app; settings come from the environment when none are given (`uvicorn --factory`)."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="Linli grid management",
        description=DESCRIPTION,
        version=version("linli-grid"),
        routers=routers,
        consumers=CONSUMERS,
        timers=TIMERS,
        token_verifier=token_verifier,
    )
