"""Events of the catalogue, on the owning division's subject (an item belongs to its owner)."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class ItemPublished(DomainEvent):
    """A version of an item was published (version 1: the item is new)."""

    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "item"
    verb: ClassVar[str] = "published"

    type: Literal["cn.linli.service-hall.item.published.v1"] = (
        "cn.linli.service-hall.item.published.v1"
    )
    community_code: str = Field(description="The owning division's code (any level)")
    item_id: uuid.UUID
    code: str
    version: int
    promised_working_days: int
    fee_fen: int

    def division_code(self) -> str:
        return self.community_code
