"""Events of service points, on the subject of the division that runs the hall."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class ServicePointOpened(DomainEvent):
    """A hall was opened for one or more communities."""

    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "service_point"
    verb: ClassVar[str] = "opened"

    type: Literal["cn.linli.service-hall.service_point.opened.v1"] = (
        "cn.linli.service-hall.service_point.opened.v1"
    )
    community_code: str = Field(description="The division that runs the hall (any level)")
    service_point_id: uuid.UUID
    communities: list[str]
