"""Routers of svc-service-hall, one per domain."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from linli.service_hall.announcements.endpoints import router as announcements_router
from linli.service_hall.proposals.endpoints import router as proposals_router
from linli.service_hall.reports.endpoints import router as reports_router

routers: Sequence[APIRouter] = (reports_router, proposals_router, announcements_router)
