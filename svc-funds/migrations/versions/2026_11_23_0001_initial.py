"""Initial: the kernel's tables (outbox, processed events, idempotency keys, PII access log).

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Sequence

from alembic import op

from linli.common.db import KernelBase

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kernel_metadata() -> None:
    # TEMPORARY until linli.common.migrations.create_kernel_tables lands: importing the kernel's
    # model modules registers their tables on KernelBase.metadata.
    for module in ("linli.common.idempotency", "linli.common.outbox.models", "linli.common.pii"):
        importlib.import_module(module)
    with contextlib.suppress(ImportError):  # processed_events, once linli.common.consumers exists
        importlib.import_module("linli.common.consumers")


def upgrade() -> None:
    _kernel_metadata()
    KernelBase.metadata.create_all(op.get_bind())


def downgrade() -> None:
    _kernel_metadata()
    KernelBase.metadata.drop_all(op.get_bind())
