"""The ASGI app of svc-service-hall: the kernel's service frame plus this service's routers."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI

from linli.common.app import create_service_app
from linli.common.auth import TokenVerifier
from linli.service_hall.api import routers
from linli.service_hall.config import Settings
from linli.service_hall.incident_copies.handlers import INCIDENTS_CONSUMER

# Durable subscriptions of the hall, one per thing it keeps from other services' events.
CONSUMERS = (INCIDENTS_CONSUMER,)

DESCRIPTION = "Service hall (一站式服务大厅): the one-stop hall, appointments, canteen, feedback and deliberation arrive with their issues; today the service answers health, readiness and metrics."


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
        token_verifier=token_verifier,
    )
