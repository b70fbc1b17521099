"""Alembic environment of svc-residents: the kernel's shared env over this service's tables."""

from __future__ import annotations

from linli.common.migrations import run_alembic_env
from linli.residents.models import Base

run_alembic_env(Base.metadata)
