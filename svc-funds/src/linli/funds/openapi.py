"""Problem answers in OpenAPI for this service's routes.

Same signature as the kernel's `linli.common.openapi.problem_responses` (on its way to main with
the hostile-input kit); once it lands this module becomes a re-export of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linli.common.errors import PROBLEM_MEDIA_TYPE

_PROBLEM: dict[str, Any] = {"content": {PROBLEM_MEDIA_TYPE: {}}}


def problem_responses(
    described: Mapping[int, str], *, authenticated: bool = True
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status given (and 401 when the route needs a token)."""
    statuses = {**({401: "Missing, forged or expired token"} if authenticated else {}), **described}
    return {status: {"description": text, **_PROBLEM} for status, text in sorted(statuses.items())}
