"""Routers of svc-grid, one per domain."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from linli.grid.roster.endpoints import router as roster_router

routers: Sequence[APIRouter] = (roster_router,)
