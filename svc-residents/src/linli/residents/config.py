"""Settings of svc-residents: the kernel's ServiceSettings, named after its entry in the topology."""

from __future__ import annotations

from linli.common.settings import ServiceSettings
from linli.common.topology import service

SPEC = service("residents")


class Settings(ServiceSettings):
    """Read from `LINLI_*` variables like every deployable; defaults point at this service's database."""

    service_name: str = SPEC.name
    database_url: str = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{SPEC.database}"
    # A whole city's division list is a few thousand rows (well under 1 MB); the cap keeps a wrong
    # file from being read into memory.
    division_import_max_bytes: int = 5 * 1024 * 1024
