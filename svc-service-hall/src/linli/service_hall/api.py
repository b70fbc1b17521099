"""Routers of svc-service-hall, one per capability; daily life and the residents' voice add theirs."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from linli.service_hall.activities.endpoints import router as activities_router
from linli.service_hall.announcements.endpoints import router as announcements_router
from linli.service_hall.applications.endpoints import router as applications_router
from linli.service_hall.appointments.endpoints import bookings as appointments_router
from linli.service_hall.appointments.endpoints import calendars as calendars_router
from linli.service_hall.bundles.endpoints import router as bundles_router
from linli.service_hall.canteen.endpoints import router as canteen_router
from linli.service_hall.catalogue.endpoints import router as catalogue_router
from linli.service_hall.courses.endpoints import router as courses_router
from linli.service_hall.home_visits.endpoints import router as home_visits_router
from linli.service_hall.proposals.endpoints import router as proposals_router
from linli.service_hall.reports.endpoints import router as reports_router
from linli.service_hall.service_points.endpoints import router as service_points_router
from linli.service_hall.stats.endpoints import router as stats_router
from linli.service_hall.volunteering.endpoints import router as volunteering_router

routers: Sequence[APIRouter] = (
    service_points_router,
    catalogue_router,
    bundles_router,
    applications_router,
    home_visits_router,
    reports_router,
    proposals_router,
    announcements_router,
    activities_router,
    courses_router,
    volunteering_router,
    calendars_router,
    appointments_router,
    canteen_router,
    stats_router,
)
