"""Routers of svc-jobs-coop, one per capability."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from linli.jobs_coop.enterprises.endpoints import router as enterprises_router
from linli.jobs_coop.inspections.endpoints import router as inspections_router
from linli.jobs_coop.job_fairs.endpoints import router as job_fairs_router
from linli.jobs_coop.pool.endpoints import router as pool_router
from linli.jobs_coop.settlement.endpoints import router as settlement_router
from linli.jobs_coop.stats.endpoints import router as stats_router
from linli.jobs_coop.tasks.endpoints import router as tasks_router
from linli.jobs_coop.training.endpoints import router as training_router
from linli.jobs_coop.work_orders.endpoints import router as work_orders_router

routers: Sequence[APIRouter] = (
    pool_router,
    enterprises_router,
    work_orders_router,
    tasks_router,
    inspections_router,
    settlement_router,
    training_router,
    job_fairs_router,
    stats_router,
)
