"""Alembic environment of svc-service-hall: migrates this service's own database (and the kernel's tables)."""

from __future__ import annotations

from linli.common.migrations import run_alembic_env
from linli.common.timers import TIMERS_METADATA
from linli.service_hall.config import Settings
from linli.service_hall.models import Base

run_alembic_env([Base.metadata, TIMERS_METADATA], database_url=Settings().database_url)
