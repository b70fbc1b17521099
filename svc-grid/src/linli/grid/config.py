"""Settings of svc-grid: the kernel's ServiceSettings, named after its entry in the topology."""

from __future__ import annotations

from linli.common.settings import ServiceSettings
from linli.common.topology import service

SPEC = service("grid")


class Settings(ServiceSettings):
    """Read from `LINLI_*` variables like every deployable; defaults point at this service's database."""

    service_name: str = SPEC.name
    database_url: str = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{SPEC.database}"
