"""The declarative frame every deployable's tables share: a base of its own with the kernel's
constraint names, ids, times, division codes and enums as every service stores them.

    class Base(ServiceBase, DeclarativeBase):
        \"\"\"Declarative base of this service's tables; Alembic autogenerate compares against it.\"\"\"
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from linli.common.db import NAMING_CONVENTION


class ServiceBase:
    """Mixed into a deployable's declarative base (`class Base(ServiceBase, DeclarativeBase)`):
    the base gets metadata of its own, with the kernel's constraint naming convention.

    Of its own, so that one service's metadata never lists another's tables (or the kernel's),
    even when tests import every service into one process; named by the convention, so that
    Alembic migrations and conflict checks (`linli.common.conflicts`) can name constraints.
    """

    def __init_subclass__(cls, **kw: Any) -> None:
        if DeclarativeBase in cls.__bases__ and "metadata" not in cls.__dict__:
            # Set before DeclarativeBase builds the registry from it.
            type.__setattr__(cls, "metadata", MetaData(naming_convention=NAMING_CONVENTION))
        super().__init_subclass__(**kw)


# What the kernel's clear-PII check takes for a mobile number: 11 digits starting 13-19. About one
# uuid4 in a thousand holds such a run in its last group, and ids travel in every event.
_PHONE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def new_id() -> uuid.UUID:
    """A uuid4 whose text cannot be mistaken for a phone number by the event PII check (an
    18-character ID number cannot fit in a uuid's groups at all)."""
    while True:
        candidate = uuid.uuid4()
        if not _PHONE_LIKE.search(str(candidate)):
            return candidate


def utcnow() -> datetime:
    return datetime.now(UTC)


def division_code_type(length: int = 12) -> String:
    """A division code column. Collation "C": codes are digits compared byte-wise, and only then
    is a division prefix one btree range (`linli.common.pagination.within_division`)."""
    return String(length, collation="C")


def created_at_column() -> Mapped[datetime]:
    # Set in Python as well as by the server, so the value is known without a round trip (events
    # carry it, cursors are built from it).
    return mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), nullable=False
    )


def updated_at_column() -> Mapped[datetime]:
    return mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        onupdate=utcnow,
        server_default=func.now(),
        nullable=False,
    )


def str_enum(enum: type[StrEnum], name: str) -> Enum:
    """A VARCHAR holding the enum's values with a CHECK constraint: adding a value later is a
    constraint change, not the `ALTER TYPE` dance of a native PostgreSQL enum."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


__all__ = [
    "ServiceBase",
    "created_at_column",
    "division_code_type",
    "new_id",
    "str_enum",
    "updated_at_column",
    "utcnow",
]
