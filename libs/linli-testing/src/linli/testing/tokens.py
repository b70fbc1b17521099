"""Access tokens for tests, signed the way the gateway signs them, with a JWKS services can trust."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from linli.common.auth import ACCESS_TOKEN_TYPE, SIGNING_ALGORITHM, Role, TokenVerifier

TEST_ISSUER = "linli-gateway"
TEST_AUDIENCE = "linli"


class TestIssuer:
    """Mints access tokens for any role and scope; `verifier()` trusts exactly this issuer's key."""

    __test__ = False  # not a pytest test class

    def __init__(self, *, kid: str = "test-key") -> None:
        self.kid = kid
        self._key = Ed25519PrivateKey.generate()

    @property
    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": SIGNING_ALGORITHM})
        return {"keys": [jwk]}

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(issuer=TEST_ISSUER, audience=TEST_AUDIENCE, jwks=self.jwks)

    def issue(
        self,
        *,
        roles: Iterable[Role | str],
        scope: str = "",
        subject: str | None = None,
        grid_ids: Iterable[str] = (),
        resident_id: str | None = None,
        expires_in: int = 900,
        token_type: str = ACCESS_TOKEN_TYPE,
        **extra: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": TEST_ISSUER,
            "aud": TEST_AUDIENCE,
            "sub": subject or str(uuid.uuid4()),
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
            "typ": token_type,
            "roles": [str(r) for r in roles],
            "scope": scope,
            "grid_ids": list(grid_ids),
            "resident_id": resident_id,
            **extra,
        }
        return jwt.encode(claims, self._key, algorithm=SIGNING_ALGORITHM, headers={"kid": self.kid})

    def headers(self, **kwargs: Any) -> dict[str, str]:
        """`Authorization` header for a token issued with `kwargs`."""
        return {"Authorization": f"Bearer {self.issue(**kwargs)}"}
