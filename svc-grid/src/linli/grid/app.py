"""The ASGI app of svc-grid: the kernel's service frame plus this service's routers."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI

from linli.common.app import create_service_app
from linli.common.auth import TokenVerifier
from linli.grid.api import routers
from linli.grid.config import Settings

DESCRIPTION = "grid management (网格化管理): grids, the household roster, incidents, patrols, sensors, campaigns and directives."


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
        token_verifier=token_verifier,
    )
