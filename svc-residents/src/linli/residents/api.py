"""Routers of svc-residents, one per domain."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from linli.residents.change_requests.endpoints import router as change_requests_router
from linli.residents.divisions.endpoints import router as divisions_router
from linli.residents.exports.endpoints import router as exports_router
from linli.residents.households.endpoints import households_router, residents_router
from linli.residents.imports.endpoints import router as imports_router
from linli.residents.moves.endpoints import router as moves_router
from linli.residents.places.endpoints import router as places_router
from linli.residents.registrations.endpoints import router as registrations_router
from linli.residents.stats.endpoints import router as stats_router

routers: Sequence[APIRouter] = (
    divisions_router,
    places_router,
    households_router,
    change_requests_router,
    residents_router,
    registrations_router,
    moves_router,
    stats_router,
    imports_router,
    exports_router,
)
