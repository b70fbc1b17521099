"""The gateway's tables."""

from linli.gateway.models.auth import RefreshToken, ResidentAccount, StaffAccount
from linli.gateway.models.base import Base

__all__ = ["Base", "RefreshToken", "ResidentAccount", "StaffAccount"]
