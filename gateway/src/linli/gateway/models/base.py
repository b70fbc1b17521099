"""The gateway's declarative base, with the kernel's constraint naming convention."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from linli.common.models import ServiceBase


class Base(ServiceBase, DeclarativeBase):
    """Tables of the gateway database only (accounts and refresh tokens)."""
