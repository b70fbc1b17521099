"""Routing `/api/<service>/…` to the services, and the per-principal rate limit in front of it."""

from linli.gateway.proxy.forward import UpstreamProxy, proxy_routes
from linli.gateway.proxy.ratelimit import RateLimiter, RateLimitMiddleware
from linli.gateway.proxy.transport import RoutingTransport

__all__ = [
    "RateLimitMiddleware",
    "RateLimiter",
    "RoutingTransport",
    "UpstreamProxy",
    "proxy_routes",
]
