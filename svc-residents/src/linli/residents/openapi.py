"""OpenAPI text for refusals: every endpoint lists the problem+json answers it may give."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def refusals(described: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: 401 always, plus the statuses given, each as problem+json."""
    statuses = {401: "Missing, forged or expired token", **described}
    return {status: {"description": text, **_PROBLEM} for status, text in sorted(statuses.items())}
