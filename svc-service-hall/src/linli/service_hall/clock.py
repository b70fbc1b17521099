"""The hall's clock as a dependency: endpoints take `now: Now`, so tests can stand at any time
(`app.dependency_overrides[system_now] = ...`) and services stay plain functions of `now`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends


def system_now() -> datetime:
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(system_now)]
