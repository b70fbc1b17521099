"""Routers of svc-jobs-coop; its domains arrive with their own issues."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

routers: Sequence[APIRouter] = ()
