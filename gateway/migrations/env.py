"""Alembic environment of the gateway: migrates its own database (accounts, refresh tokens)."""

from __future__ import annotations

from linli.common.migrations import run_alembic_env
from linli.gateway.config import GatewaySettings
from linli.gateway.models import Base

# The gateway publishes no events and consumes none: no outbox, no processed events.
run_alembic_env(Base.metadata, database_url=GatewaySettings().database_url, kernel=False)
