"""The declarative base of svc-residents and the column types its tables share."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from linli.common.db import NAMING_CONVENTION


class Base(DeclarativeBase):
    """Declarative base of this service's tables; Alembic autogenerate compares against it."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


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
    # Collation "C": codes are digits compared byte-wise, and only then can a btree index serve
    # the `code LIKE '330108%'` prefix queries every scope check turns into.
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
