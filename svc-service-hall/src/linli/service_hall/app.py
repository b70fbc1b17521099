"""The ASGI app of svc-service-hall: the kernel's service frame plus this service's routers."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI

from linli.common.app import create_service_app
from linli.common.auth import TokenVerifier
from linli.service_hall.api import routers
from linli.service_hall.applications.timers import OVERDUE_TIMER
from linli.service_hall.appointments.timers import APPOINTMENT_TIMERS
from linli.service_hall.canteen.timers import CANTEEN_TIMERS
from linli.service_hall.config import Settings
from linli.service_hall.incident_copies.handlers import INCIDENTS_CONSUMER
from linli.service_hall.residents.handlers import RESIDENTS_CONSUMER

# Durable subscriptions of the hall, one per thing it keeps from other services' events.
CONSUMERS = (RESIDENTS_CONSUMER, INCIDENTS_CONSUMER)
# Durable timers the hall fires (in every replica, each timer once).
TIMERS = (OVERDUE_TIMER, *APPOINTMENT_TIMERS, *CANTEEN_TIMERS)

DESCRIPTION = "Service hall (一站式服务大厅): service points serving communities, the versioned service catalogue (办事事项), applications with their materials and a working-day clock on China's official calendar (调休 included), 一件事 bundles, door-to-door visits (上门办), and the residents' voice: 我要反映 reports followed to closure through svc-grid, 议一议 proposals, announcements. Daily life: appointments (预约) on calendars per service point and service, never over-booked; the elderly canteen (长者饭堂): menus, orders by 20:00 the day before at the subsidised price, stored value, the kitchen's count and the day's totals; community activities with waiting lists and clubs (未来邻里), the elder college with terms, courses, choices within rules and a lottery with a recorded seed (未来教育), and volunteering with service hours (五社联动)."


def create_app(
    settings: Settings | None = None, *, token_verifier: TokenVerifier | None = None
) -> FastAPI:
    """Build the app; settings come from the environment when none are given (`uvicorn --factory`)."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="Linli service hall",
        description=DESCRIPTION,
        version=version("linli-service-hall"),
        routers=routers,
        consumers=CONSUMERS,
        timers=TIMERS,
        token_verifier=token_verifier,
    )
