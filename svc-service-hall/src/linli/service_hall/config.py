"""Settings of svc-service-hall: the kernel's ServiceSettings with this service's name and database."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from pydantic import Field

from linli.common.settings import ServiceSettings

# The `/api/<name>` path segment and NATS subject token; the database it owns by default.
NAME = "service-hall"
DATABASE = "linli_service_hall"


class Settings(ServiceSettings):
    """Read from `LINLI_*` variables like every deployable; defaults point at this service's database."""

    service_name: str = NAME
    database_url: str = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"
    # Supports that put a 议一议 proposal on its community's agenda (LINLI_PROPOSAL_SUPPORT_THRESHOLD).
    proposal_support_threshold: int = Field(default=20, ge=1)
    # The largest material file an applicant may upload (LINLI_MATERIALS_MAX_BYTES).
    materials_max_bytes: int = 10 * 1024 * 1024


def get_hall_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


HallSettings = Annotated[Settings, Depends(get_hall_settings)]
