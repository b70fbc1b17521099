"""Tables of svc-service-hall, on a Base of its own from the kernel's frame (`linli.common.models`)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from linli.common.models import ServiceBase


class Base(ServiceBase, DeclarativeBase):
    """Declarative base of this service's tables; Alembic autogenerate compares against it."""


# The residents' voice (reports, proposals, announcements): imported once Base exists.
from linli.service_hall.models import announcements, proposals, reports  # noqa: E402, F401

__all__ = ["Base"]
