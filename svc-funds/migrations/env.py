"""Alembic environment of svc-funds: migrates this service's own database (and the kernel's tables)."""

from __future__ import annotations

from linli.common.migrations import run_alembic_env
from linli.funds.config import Settings
from linli.funds.models import Base

run_alembic_env(Base.metadata, database_url=Settings().database_url)
