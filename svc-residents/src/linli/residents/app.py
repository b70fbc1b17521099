"""The ASGI app of svc-residents: the kernel's service frame plus this service's routers."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI

from linli.common.app import create_service_app
from linli.common.auth import TokenVerifier
from linli.residents.api import routers
from linli.residents.config import Settings
from linli.residents.imports.runner import install_import_runner

DESCRIPTION = (
    "The residents registry (一户一表): the division tree (city → district → street → "
    "community), self-registration from the mini-program and its review, households and residents."
)


def create_app(
    settings: Settings | None = None, *, token_verifier: TokenVerifier | None = None
) -> FastAPI:
    """Build the app; settings come from the environment when none are given (`uvicorn --factory`)."""
    settings = settings or Settings()
    app = create_service_app(
        settings,
        title="Linli residents registry",
        description=DESCRIPTION,
        version=version("linli-residents"),
        routers=routers,
        token_verifier=token_verifier,
    )
    install_import_runner(app, settings)
    return app
