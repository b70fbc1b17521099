"""The gateway's Ed25519 signing key, its JWKS, access-token signing and opaque refresh tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from linli.common.auth import ACCESS_TOKEN_TYPE, SIGNING_ALGORITHM
from linli.gateway.config import GatewaySettings

# Bounded so a flood of distinct tokens cannot grow memory; cleared wholesale when full.
_VERIFIED_CACHE_SIZE = 10_000


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_signing_key(settings: GatewaySettings) -> Ed25519PrivateKey:
    """The configured key; in development, the key file (created on first start)."""
    if settings.gateway_signing_key is not None:
        pem = settings.gateway_signing_key.get_secret_value().encode()
    elif settings.is_development:
        pem = _dev_key_pem(settings.gateway_signing_key_file)
    else:  # GatewaySettings already refuses this; kept for callers that build settings by hand
        raise RuntimeError("LINLI_GATEWAY_SIGNING_KEY must be set outside development")
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("LINLI_GATEWAY_SIGNING_KEY must be an Ed25519 private key (PEM)")
    return key


def _dev_key_pem(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes()
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two gateways starting together keep whichever key was written first.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return pem


class TokenSigner:
    """Signs access tokens and publishes the public half; `kid` is the RFC 7638 thumbprint."""

    def __init__(self, private_key: Ed25519PrivateKey, *, issuer: str, audience: str) -> None:
        self._private_key = private_key
        self._public_key: Ed25519PublicKey = private_key.public_key()
        self.issuer = issuer
        self.audience = audience
        raw = self._public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self._x = _b64url(raw)
        # RFC 7638: members in lexicographic order, no whitespace.
        thumbprint = json.dumps(
            {"crv": "Ed25519", "kty": "OKP", "x": self._x}, separators=(",", ":"), sort_keys=True
        )
        self.kid = _b64url(hashlib.sha256(thumbprint.encode()).digest())
        self._verified: dict[str, tuple[str, int]] = {}

    @property
    def jwks(self) -> dict[str, Any]:
        return {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": self._x,
                    "kid": self.kid,
                    "use": "sig",
                    "alg": SIGNING_ALGORITHM,
                }
            ]
        }

    def issue_access_token(
        self,
        *,
        subject: str,
        roles: Sequence[str],
        scope: str,
        grid_ids: Sequence[str] = (),
        resident_id: str | None = None,
        ttl_s: int,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
            "typ": ACCESS_TOKEN_TYPE,
            "roles": list(roles),
            "scope": scope,
            "grid_ids": list(grid_ids),
            "resident_id": resident_id,
        }
        return jwt.encode(
            claims, self._private_key, algorithm=SIGNING_ALGORITHM, headers={"kid": self.kid}
        )

    def subject_of(self, token: str) -> str | None:
        """The subject of a valid access token of ours, else None. Cached: the proxy calls this
        on every request only to key the rate limiter, and a client reuses one token for minutes."""
        now = int(time.time())
        cached = self._verified.get(token)
        if cached is not None:
            subject, exp = cached
            if exp > now:
                return subject
            del self._verified[token]
            return None
        try:
            claims = jwt.decode(
                token,
                key=self._public_key,
                algorithms=[SIGNING_ALGORITHM],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("typ") != ACCESS_TOKEN_TYPE:
            return None
        subject = str(claims["sub"])
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (subject, int(claims["exp"]))
        return subject


def new_refresh_token() -> str:
    """256 random bits; the client keeps it, the database keeps only its hash."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # A plain SHA-256 suffices: the token is high-entropy, so there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()
