"""Settings of svc-residents: the kernel's ServiceSettings with this service's name and database."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from linli.common.dependencies import get_settings
from linli.common.settings import ServiceSettings

# The `/api/<name>` path segment and NATS subject token; the database it owns by default.
NAME = "residents"
DATABASE = "linli_residents"


class Settings(ServiceSettings):
    """Read from `LINLI_*` variables like every deployable; defaults point at this service's database."""

    service_name: str = NAME
    database_url: str = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"
    # A whole city's division list is a few thousand rows (well under 1 MB); the cap keeps a wrong
    # file from being read into memory.
    division_import_max_bytes: int = 5 * 1024 * 1024
    # Bulk import of residents: uploads are spooled to disk (never held in memory); 100,000 rows
    # of CSV are ~10 MB, so the cap leaves room for a city's file without accepting anything.
    import_max_bytes: int = 200 * 1024 * 1024
    import_spool_dir: str | None = None  # the system's temporary folder when unset
    # What one file may stand for, whatever its size on the wire (an XLSX is a zip archive: a
    # 1.3 MB one can inflate to a million rows). A city district's file is ~300,000 residents;
    # no column of the registry takes more than a few hundred characters; a real workbook
    # inflates 5-20 times, an archive bomb a thousand.
    import_max_rows: int = 300_000
    import_max_cell_chars: int = 1_000
    import_max_inflated_bytes: int = 256 * 1024 * 1024
    import_max_compression_ratio: float = 100.0
    # A running import touches its job row this often; one silent for `stale_after` is failed
    # (its process died), at startup and when the job is read.
    import_heartbeat_s: float = 5.0
    import_stale_after_s: float = 60.0


# This service's settings in an endpoint, typed with its own fields.
AppSettings = Annotated[Settings, Depends(get_settings)]
