"""Settings of svc-grid: the kernel's ServiceSettings with this service's name and database."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends
from pydantic import Field

from linli.common.dependencies import get_settings
from linli.common.settings import ServiceSettings

# The `/api/<name>` path segment and NATS subject token; the database it owns by default.
NAME = "grid"
DATABASE = "linli_grid"


class Settings(ServiceSettings):
    """Read from `LINLI_*` variables like every deployable; defaults point at this service's database."""

    service_name: str = NAME
    database_url: str = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"

    # Alerts of one device and kind this close to the previous one fold into its incident:
    # `LINLI_SENSOR_FOLD_WINDOW_S`, and per kind (an incident category's code)
    # `LINLI_SENSOR_FOLD_WINDOWS='{"safety.drowning": 300}'`.
    sensor_fold_window_s: int = Field(default=600, ge=1, le=7 * 24 * 3600)
    sensor_fold_windows: dict[str, Annotated[int, Field(ge=1, le=7 * 24 * 3600)]] = Field(
        default_factory=dict
    )

    def fold_window(self, kind: str) -> timedelta:
        return timedelta(seconds=self.sensor_fold_windows.get(kind, self.sensor_fold_window_s))


AppSettings = Annotated[Settings, Depends(get_settings)]
"""The service's own settings in an endpoint (create_service_app puts them on the app)."""
