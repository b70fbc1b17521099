"""Events of 一件事 bundles, on the community's subject."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from linli.common.events import DomainEvent


class _BundleEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "bundle"

    filing_id: uuid.UUID
    bundle_id: uuid.UUID
    bundle_code: str
    application_ids: list[uuid.UUID]
    at: datetime


class BundleFiled(_BundleEvent):
    """A resident (or a worker for them) filed every item of a bundle at once."""

    verb: ClassVar[str] = "filed"
    type: Literal["cn.linli.service-hall.bundle.filed.v1"] = "cn.linli.service-hall.bundle.filed.v1"


class BundleCompleted(_BundleEvent):
    """The last item of a bundle was completed: the life event is done."""

    verb: ClassVar[str] = "completed"
    type: Literal["cn.linli.service-hall.bundle.completed.v1"] = (
        "cn.linli.service-hall.bundle.completed.v1"
    )


class BundleClosed(_BundleEvent):
    """Every item of a bundle was decided, and at least one was rejected."""

    verb: ClassVar[str] = "closed"
    type: Literal["cn.linli.service-hall.bundle.closed.v1"] = (
        "cn.linli.service-hall.bundle.closed.v1"
    )
    rejected: list[uuid.UUID]


class BundleDefined(DomainEvent):
    """A bundle of items was defined by its owner (on the owning division's subject)."""

    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "bundle"
    verb: ClassVar[str] = "defined"

    type: Literal["cn.linli.service-hall.bundle.defined.v1"] = (
        "cn.linli.service-hall.bundle.defined.v1"
    )
    bundle_id: uuid.UUID
    bundle_code: str
    item_ids: list[uuid.UUID]
