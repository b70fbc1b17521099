"""The data path: a request for a service reaches its proxy through the gateway's own middleware
only, not through FastAPI's router and exception stack (issue 7's profile: those layers were a
fifth of the gateway's CPU per proxied call, and a proxied call needs none of them)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from linli.gateway.proxy.forward import UpstreamProxy

_PROXY_KEY = "linli.proxy"


class ServiceRoutes:
    """Which proxy answers a path, by the same rules as `proxy_routes`' Starlette routes:
    `/api/<service>` and `/api/<service>/…` for each service, `<public path>/…` for each public
    path. Anything else (an unknown service, the gateway's own routes) is not matched here."""

    def __init__(
        self, upstream_urls: Mapping[str, str], public_paths: Mapping[str, str] | None = None
    ) -> None:
        self._exact: dict[str, UpstreamProxy] = {}
        self._prefixes: list[tuple[str, UpstreamProxy]] = []
        for path, name in (public_paths or {}).items():
            if name in upstream_urls:
                public = UpstreamProxy(name, upstream_urls[name], public_path=path)
                self._prefixes.append((path + "/", public))
        for name, base_url in upstream_urls.items():
            proxy = UpstreamProxy(name, base_url)
            self._exact[f"/api/{name}"] = proxy
            self._prefixes.append((f"/api/{name}/", proxy))
        self._any_prefix = tuple(prefix for prefix, _ in self._prefixes)

    def match(self, path: str) -> UpstreamProxy | None:
        if proxy := self._exact.get(path):
            return proxy
        if not path.startswith(self._any_prefix):
            return None
        for prefix, proxy in self._prefixes:
            if path.startswith(prefix):
                return proxy
        return None


async def _to_matched_proxy(scope: Scope, receive: Receive, send: Send) -> None:
    proxy: UpstreamProxy = scope[_PROXY_KEY]
    await proxy(scope, receive, send)


class DataPath:
    """`await data_path(scope, receive, send)` when `data_path.match(scope)`; else the caller
    goes on to the full application.

    `middleware` wraps the proxy in the gateway's own middleware, outermost first, as the
    application stacks them (proxy headers, CORS, request id and log line, header limits,
    rate limit), under Starlette's ServerErrorMiddleware as the application has it: an error
    before the answer starts is a 500, after it the connection is dropped.
    """

    def __init__(
        self,
        routes: ServiceRoutes,
        middleware: list[Middleware],
    ) -> None:
        self.routes = routes
        app: ASGIApp = _to_matched_proxy
        for cls, args, kwargs in reversed(middleware):
            app = cls(app, *args, **kwargs)
        self._app = ServerErrorMiddleware(app)

    def match(self, scope: Scope) -> bool:
        if scope["type"] != "http":
            return False
        proxy = self.routes.match(scope["path"])
        if proxy is None:
            return False
        scope[_PROXY_KEY] = proxy
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)
