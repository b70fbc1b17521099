"""Tables of svc-grid, on a Base of its own: its metadata never lists the kernel's or another service's."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from linli.common.db import NAMING_CONVENTION


class Base(DeclarativeBase):
    """Declarative base of this service's tables; Alembic autogenerate compares against it."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Imported after Base exists, so that Base.metadata lists every table of the service.
from linli.grid.models.roster import RosterHousehold, RosterMember  # noqa: E402

__all__ = ["Base", "RosterHousehold", "RosterMember"]
