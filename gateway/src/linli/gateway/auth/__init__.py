"""Staff and resident login, rotating refresh tokens, and the gateway's signing keys."""

from linli.gateway.auth.providers import (
    DevIdentityProvider,
    ExternalIdentity,
    IdentityProvider,
    IdentityProviderRegistry,
)
from linli.gateway.auth.service import create_staff_user

__all__ = [
    "DevIdentityProvider",
    "ExternalIdentity",
    "IdentityProvider",
    "IdentityProviderRegistry",
    "create_staff_user",
]
