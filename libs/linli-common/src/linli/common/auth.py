"""The principal the gateway signs, its verification in every service, and the scope rule."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt import PyJWK

from linli.common.errors import Forbidden, NotFound, Unauthenticated

ACCESS_TOKEN_TYPE = "access"
# Verified tokens kept per process: a client reuses one token for minutes, and parsing plus an
# Ed25519 check cost more than the rest of a simple read. Cleared whole when full.
_VERIFIED_CACHE_SIZE = 10_000
SIGNING_ALGORITHM = "EdDSA"


class Role(StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    GRID_WORKER = "grid_worker"
    COMMUNITY_WORKER = "community_worker"
    PROPERTY_MANAGER = "property_manager"
    STREET_ADMIN = "street_admin"
    DISTRICT_ADMIN = "district_admin"
    CITY_ADMIN = "city_admin"
    ENTERPRISE = "enterprise"
    FUND_COMMITTEE = "fund_committee"
    AUDITOR = "auditor"
    DEVICE = "device"
    OPS = "ops"


STAFF_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_WORKER,
        Role.PROPERTY_MANAGER,
        Role.STREET_ADMIN,
        Role.DISTRICT_ADMIN,
        Role.CITY_ADMIN,
        Role.AUDITOR,
        Role.OPS,
    }
)


# A grid named by code in a token: the community's 12 digits, a dash, the grid's number.
_GRID_CODE = re.compile(r"([0-9]{12})-([0-9]{1,4})")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the gateway signed it. `scope` is a division-code prefix."""

    subject: str
    roles: frozenset[Role]
    scope: str
    grid_ids: tuple[str, ...] = ()
    resident_id: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    def covers(self, code: str) -> bool:
        """A principal with scope `330108001` may act on every code that starts with it."""
        return bool(self.scope) and code.startswith(self.scope)

    def require_role(self, *roles: Role) -> None:
        """403 unless the caller holds one of `roles`: a role that may never do this."""
        if not self.has_role(*roles):
            raise Forbidden(
                "this operation needs one of the roles: "
                + ", ".join(sorted(r.value for r in roles))
            )

    def require_scope(self, code: str) -> None:
        """403 when the caller names a scope it does not hold (a list or a creation elsewhere)."""
        if not self.covers(code):
            raise Forbidden(f"scope {code} is outside your scope {self.scope or '(none)'}")

    def require_visible(self, code: str) -> None:
        """404 for an object outside the caller's scope: its existence is never confirmed."""
        if not self.covers(code):
            raise NotFound()

    def grid_claims(self) -> tuple[frozenset[uuid.UUID], tuple[tuple[str, int], ...]]:
        """The grids the token names: by id, and by code (`330108001001-01`: the community and
        the grid's number, as the gateway's accounts hold them); anything else names none."""
        ids: set[uuid.UUID] = set()
        codes: list[tuple[str, int]] = []
        for claim in self.grid_ids:
            try:
                ids.add(uuid.UUID(claim))
                continue
            except ValueError:
                pass
            if match := _GRID_CODE.fullmatch(claim):
                codes.append((match.group(1), int(match.group(2))))
        return frozenset(ids), tuple(codes)


class TokenVerifier:
    """Verifies the gateway's EdDSA access tokens against its JWKS, fetched once and cached.

    An unknown `kid` triggers one refetch (key rotation), at most every `min_refresh_s` seconds so a
    flood of forged tokens cannot turn into a flood of JWKS requests. While no key could be fetched
    yet (the gateway down at start), a refetch is tried at most every `min_retry_s` seconds.
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        jwks: dict[str, Any] | None = None,
        min_refresh_s: float = 30.0,
        min_retry_s: float = 1.0,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._jwks_url = jwks_url
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._min_refresh_s = min_refresh_s
        self._min_retry_s = min(min_retry_s, min_refresh_s)
        self._lock = asyncio.Lock()
        self._verified: dict[str, Principal] = {}
        if jwks is not None:
            self._load(jwks)

    def _load(self, jwks: dict[str, Any]) -> None:
        self._keys = {k["kid"]: PyJWK.from_dict(k) for k in jwks.get("keys", []) if "kid" in k}

    async def _refresh(self) -> None:
        if self._jwks_url is None:
            return
        async with self._lock:
            # Requests that queued on the lock behind a fetch reuse its outcome, keys or not.
            interval = self._min_refresh_s if self._keys else self._min_retry_s
            if time.monotonic() - self._fetched_at < interval:
                return
            try:
                async with httpx.AsyncClient(timeout=3.0) as client:
                    response = await client.get(self._jwks_url)
                    response.raise_for_status()
                    self._load(response.json())
            except (httpx.HTTPError, json.JSONDecodeError, ValueError):
                # The gateway may be restarting; keep the keys we have and try later.
                pass
            self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> PyJWK:
        if kid not in self._keys:
            await self._refresh()
        if kid not in self._keys:
            raise Unauthenticated("token signed by an unknown key")
        return self._keys[kid]

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            if cached.claims["exp"] > time.time():
                return cached
            del self._verified[token]
            raise Unauthenticated("token expired")
        principal = await self._verify_uncached(token)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = principal
        return principal

    async def _verify_uncached(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("malformed token") from exc
        key = await self._key_for(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[SIGNING_ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("invalid token") from exc
        if claims.get("typ") != ACCESS_TOKEN_TYPE:
            raise Unauthenticated("not an access token")
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    roles: set[Role] = set()
    for name in claims.get("roles", []):
        try:
            roles.add(Role(name))
        except ValueError:
            continue  # a role this service does not know grants nothing here
    return Principal(
        subject=str(claims["sub"]),
        roles=frozenset(roles),
        scope=str(claims.get("scope") or ""),
        grid_ids=tuple(str(g) for g in claims.get("grid_ids", [])),
        resident_id=claims.get("resident_id"),
        claims=claims,
    )


# FastAPI's own scheme: it reads `Authorization: Bearer …` and declares the scheme in OpenAPI,
# which gives /docs its Authorize button. auto_error=False: a missing token is our 401 problem.
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="The `access_token` of `POST /auth/staff/login` or `/auth/resident/login`.",
)


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None:
        raise Unauthenticated("missing bearer token")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


__all__ = [
    "ACCESS_TOKEN_TYPE",
    "SIGNING_ALGORITHM",
    "STAFF_ROLES",
    "CurrentPrincipal",
    "Principal",
    "Role",
    "TokenVerifier",
    "bearer_scheme",
    "get_principal",
    "principal_from_claims",
]
