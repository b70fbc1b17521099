"""Access tokens for tests, signed the way the gateway signs them, with a JWKS services can trust."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
        self._retired: list[tuple[str, Ed25519PrivateKey]] = []

    @property
    def jwks(self) -> dict[str, Any]:
        """The public keys: the signing one first, then those retired by `rotate(keep_old=True)`."""
        keys = []
        for kid, key in [(self.kid, self._key), *self._retired]:
            jwk: dict[str, Any] = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwk.update({"kid": kid, "use": "sig", "alg": SIGNING_ALGORITHM})
            keys.append(jwk)
        return {"keys": keys}

    def rotate(self, *, kid: str | None = None, keep_old: bool = True) -> None:
        """Sign with a new key from now on, as the gateway does on key rotation. The old public
        key stays in the JWKS (its tokens live until they expire) unless `keep_old` is False."""
        if keep_old:
            self._retired.insert(0, (self.kid, self._key))
        self.kid = kid or f"test-key-{uuid.uuid4().hex[:8]}"
        self._key = Ed25519PrivateKey.generate()

    def verifier(
        self, *, jwks_url: str | None = None, min_refresh_s: float = 30.0
    ) -> TokenVerifier:
        """A verifier that trusts this issuer: given its keys now, or fetching them from
        `jwks_url` (see `serve_jwks`) as a service fetches the gateway's."""
        if jwks_url is not None:
            return TokenVerifier(
                issuer=TEST_ISSUER,
                audience=TEST_AUDIENCE,
                jwks_url=jwks_url,
                min_refresh_s=min_refresh_s,
            )
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


class JwksServer:
    """An HTTP server publishing an issuer's current JWKS, counting how often it is fetched."""

    def __init__(self, issuer: TestIssuer) -> None:
        self.issuer = issuer
        self.fetches = 0
        self.available = True
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                if not server.available:
                    self.send_error(503)
                    return
                body = json.dumps(server.issuer.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/.well-known/jwks.json"


@contextmanager
def serve_jwks(issuer: TestIssuer) -> Iterator[JwksServer]:
    """`with serve_jwks(issuer) as jwks:` — `issuer.verifier(jwks_url=jwks.url)` fetches from it."""
    server = JwksServer(issuer)
    thread = threading.Thread(target=server._http.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server._http.shutdown()
        server._http.server_close()
        thread.join(5)
