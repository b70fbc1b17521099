"""The declarative base of svc-jobs-coop, from the kernel's frame (`linli.common.models`)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from linli.common.models import ServiceBase


class Base(ServiceBase, DeclarativeBase):
    """Declarative base of this service's tables; Alembic autogenerate compares against it."""
