"""Routers of svc-funds, one per domain."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from linli.funds.audit.endpoints import router as audit_router
from linli.funds.committees.endpoints import router as committees_router
from linli.funds.donations.endpoints import callbacks as donation_callbacks
from linli.funds.donations.endpoints import router as donations_router
from linli.funds.funds.endpoints import router as funds_router
from linli.funds.ledger.endpoints import router as ledger_router
from linli.funds.payments.endpoints import router as payments_router
from linli.funds.projects.endpoints import router as projects_router
from linli.funds.reports.endpoints import router as reports_router
from linli.funds.stats.endpoints import router as stats_router

routers: Sequence[APIRouter] = (
    funds_router,
    ledger_router,
    committees_router,
    payments_router,
    projects_router,
    donations_router,
    donation_callbacks,
    audit_router,
    reports_router,
    stats_router,
)
