"""Routers of svc-grid, one per domain."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from linli.grid.campaigns.endpoints import router as campaigns_router
from linli.grid.directives.endpoints import router as directives_router
from linli.grid.duty.endpoints import router as duty_router
from linli.grid.incidents.endpoints import router as incidents_router
from linli.grid.open311.endpoints import clients_router as open311_clients_router
from linli.grid.open311.endpoints import router as open311_router
from linli.grid.roster.endpoints import router as roster_router
from linli.grid.sensors.endpoints import router as sensors_router
from linli.grid.stats.endpoints import router as stats_router
from linli.grid.visits.endpoints import router as visits_router

routers: Sequence[APIRouter] = (
    roster_router,
    incidents_router,
    duty_router,
    sensors_router,
    open311_clients_router,
    open311_router,
    directives_router,
    campaigns_router,
    visits_router,
    stats_router,
)
