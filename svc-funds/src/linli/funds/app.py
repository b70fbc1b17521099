"""The ASGI app of svc-funds: the kernel's service frame plus this service's routers."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI

from linli.common.app import create_service_app
from linli.common.auth import TokenVerifier
from linli.funds.api import routers
from linli.funds.config import Settings
from linli.funds.ledger.handlers import CANTEEN_CONSUMER
from linli.funds.projects.handlers import HALL_PROPOSALS_CONSUMER

# Durable subscriptions of funds: what it takes from the service hall's events.
CONSUMERS = (HALL_PROPOSALS_CONSUMER, CANTEEN_CONSUMER)

DESCRIPTION = (
    "Community funds (社区基金): street, community and special-purpose funds, an append-only "
    "double-entry ledger in integer fen that anyone may read and check, income, committees and "
    "n-of-m approved payments that never take a fund below zero."
)


def create_app(
    settings: Settings | None = None, *, token_verifier: TokenVerifier | None = None
) -> FastAPI:
    """Build the app; settings come from the environment when none are given (`uvicorn --factory`)."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="Linli community funds",
        description=DESCRIPTION,
        version=version("linli-funds"),
        routers=routers,
        consumers=CONSUMERS,
        token_verifier=token_verifier,
    )
