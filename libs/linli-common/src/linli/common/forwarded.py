"""The gateway's `X-Forwarded-Prefix` as the request's ASGI `root_path`: every URL a service
builds (problem `instance`, `Location`, links in bodies, its /docs) then carries `/api/<service>`."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX_HEADER = b"x-forwarded-prefix"
# A path of plain segments: anything else is ignored rather than echoed into URLs.
_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+){1,8}$")


class ForwardedPrefixMiddleware:
    """Mounts the request under the prefix, as ASGI defines it (`path` includes `root_path`).

    The gateway strips any prefix a client sent and sets its own; a caller that reaches the
    service directly without one gets unprefixed URLs, which are right for it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == PREFIX_HEADER:
                    prefix = value.decode("latin-1").rstrip("/")
                    if _PREFIX.match(prefix) and not scope.get("root_path"):
                        scope = dict(scope)
                        scope["root_path"] = prefix
                        scope["path"] = prefix + scope["path"]
                        if raw_path := scope.get("raw_path"):
                            scope["raw_path"] = prefix.encode() + raw_path
                    break
        await self.app(scope, receive, send)


def public_path(request: Request, path: str) -> str:
    """`path` of this service as the caller must ask for it (`/imports/1` behind the gateway is
    `/api/residents/imports/1`): for `Location` headers and links in bodies."""
    root_path: str = request.scope.get("root_path", "")
    return root_path + path


__all__ = ["ForwardedPrefixMiddleware", "public_path"]
