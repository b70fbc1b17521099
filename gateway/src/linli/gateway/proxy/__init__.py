"""Routing `/api/<service>/…` to the services, and the per-principal rate limit in front of it."""

from linli.gateway.proxy.fastpath import DataPath, ServiceRoutes
from linli.gateway.proxy.forward import UpstreamProxy, unknown_service_routes
from linli.gateway.proxy.ratelimit import RateLimiter, RateLimitMiddleware
from linli.gateway.proxy.transport import RoutingTransport

__all__ = [
    "DataPath",
    "RateLimitMiddleware",
    "RateLimiter",
    "RoutingTransport",
    "ServiceRoutes",
    "UpstreamProxy",
    "unknown_service_routes",
]
