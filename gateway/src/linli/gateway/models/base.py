"""The gateway's declarative base, with the kernel's constraint naming convention."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from linli.common.db import NAMING_CONVENTION


class Base(DeclarativeBase):
    """Tables of the gateway database only (accounts and refresh tokens)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
