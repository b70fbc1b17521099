"""Events of the canteen, on the community's subject: ids, dates and amounts in fen, never a name.

`canteen.day_closed` is svc-funds' contract (`linli.funds.ledger.handlers.CanteenDayClosed`):
its fields and types are exactly those funds reads.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from linli.common.events import DomainEvent


class MealOrderPlaced(DomainEvent):
    """A meal ordered for a day: its price as base − subsidy − stored-value discount."""

    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "meal_order"
    verb: ClassVar[str] = "placed"
    type: Literal["cn.linli.service-hall.meal_order.placed.v1"] = (
        "cn.linli.service-hall.meal_order.placed.v1"
    )
    order_id: uuid.UUID
    site_id: uuid.UUID
    menu_id: uuid.UUID
    business_date: date
    meal: str
    resident_id: uuid.UUID
    payment: str
    base_fen: int
    subsidy_fen: int
    discount_fen: int
    price_fen: int
    placed_by_role: str


class MealOrderCancelled(DomainEvent):
    """Cancelled before the cut-off: stored value refunded exactly, portions and subsidy returned."""

    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "meal_order"
    verb: ClassVar[str] = "cancelled"
    type: Literal["cn.linli.service-hall.meal_order.cancelled.v1"] = (
        "cn.linli.service-hall.meal_order.cancelled.v1"
    )
    order_id: uuid.UUID
    site_id: uuid.UUID
    business_date: date
    resident_id: uuid.UUID
    refunded_fen: int
    subsidy_returned_fen: int
    cancelled_by_role: str


class CanteenToppedUp(DomainEvent):
    """Stored value added to a resident's account at a site."""

    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "canteen"
    verb: ClassVar[str] = "topped_up"
    type: Literal["cn.linli.service-hall.canteen.topped_up.v1"] = (
        "cn.linli.service-hall.canteen.topped_up.v1"
    )
    account_id: uuid.UUID
    site_id: uuid.UUID
    resident_id: uuid.UUID
    amount_fen: int
    balance_fen: int


class CanteenDayClosed(DomainEvent):
    """A site's day closed: what residents paid, the subsidy, and profit = takings + subsidy −
    the kitchen's cost. svc-funds posts a positive profit to the community's fund."""

    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "canteen"
    verb: ClassVar[str] = "day_closed"
    type: Literal["cn.linli.service-hall.canteen.day_closed.v1"] = (
        "cn.linli.service-hall.canteen.day_closed.v1"
    )
    site_id: uuid.UUID
    site_name: str
    business_date: date
    takings_fen: int
    subsidy_fen: int
    profit_fen: int


CanteenEvent = MealOrderPlaced | MealOrderCancelled | CanteenToppedUp | CanteenDayClosed
