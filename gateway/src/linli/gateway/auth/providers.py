"""Identity providers for resident login: a protocol, a development provider, and a registry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from linli.gateway.auth.errors import IdentityRejected, UnknownIdentityProvider


@dataclass(frozen=True, slots=True)
class ExternalIdentity:
    """Who the provider says logged in: its name and the user's stable id there (openid)."""

    provider: str
    external_id: str


@runtime_checkable
class IdentityProvider(Protocol):
    """Turns a mini-program login code into an identity, e.g. WeChat's `jscode2session`."""

    name: str

    async def authenticate(self, code: str) -> ExternalIdentity:
        """The identity behind `code`; raise IdentityRejected when the provider refuses it."""
        ...


_DEV_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class DevIdentityProvider:
    """Accepts `dev:<openid>` and trusts it: development only (settings refuse it elsewhere)."""

    name = "dev"

    async def authenticate(self, code: str) -> ExternalIdentity:
        prefix, _, openid = code.partition(":")
        if prefix != "dev" or not _DEV_OPENID.match(openid):
            raise IdentityRejected("the dev provider expects `dev:<openid>` (letters, digits, _ -)")
        return ExternalIdentity(provider=self.name, external_id=openid)


class IdentityProviderRegistry:
    """The providers this gateway accepts, by name; a WeChat provider registers itself here."""

    def __init__(self, providers: tuple[IdentityProvider, ...] = ()) -> None:
        self._providers: dict[str, IdentityProvider] = {}
        for provider in providers:
            self.register(provider)

    def register(self, provider: IdentityProvider) -> None:
        self._providers[provider.name] = provider

    def get(self, name: str) -> IdentityProvider:
        try:
            return self._providers[name]
        except KeyError:
            raise UnknownIdentityProvider(
                f"identity provider {name!r} is not enabled here", provider=name
            ) from None

    @property
    def names(self) -> list[str]:
        return sorted(self._providers)
