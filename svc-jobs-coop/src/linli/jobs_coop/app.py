"""The ASGI app of svc-jobs-coop: the kernel's service frame plus this service's routers."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI

from linli.common.app import create_service_app
from linli.common.auth import TokenVerifier
from linli.jobs_coop.api import routers
from linli.jobs_coop.config import Settings

DESCRIPTION = (
    "jobs cooperative (社区合作社): labour pool, enterprises, work orders, settlement and training."
)


def create_app(
    settings: Settings | None = None, *, token_verifier: TokenVerifier | None = None
) -> FastAPI:
    """Build the app; settings come from the environment when none are given (`uvicorn --factory`)."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="Linli jobs cooperative",
        description=DESCRIPTION,
        version=version("linli-jobs-coop"),
        routers=routers,
        token_verifier=token_verifier,
    )
