"""Settings of svc-grid: the kernel's ServiceSettings with this service's name and database."""

from __future__ import annotations

from linli.common.settings import ServiceSettings

# The `/api/<name>` path segment and NATS subject token; the database it owns by default.
NAME = "grid"
DATABASE = "linli_grid"


class Settings(ServiceSettings):
    """Read from `LINLI_*` variables like every deployable; defaults point at this service's database."""

    service_name: str = NAME
    database_url: str = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"
