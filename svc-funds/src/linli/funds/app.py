"""The ASGI app of svc-funds: the kernel's service frame plus this service's routers."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI

from linli.common.app import create_service_app
from linli.common.auth import TokenVerifier
from linli.funds.api import routers
from linli.funds.config import Settings

DESCRIPTION = "Community funds (社区基金): funds, donations, projects, approvals and the ledger arrive with their issues; today the service answers health, readiness and metrics."


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
        token_verifier=token_verifier,
    )
