"""What the canteen's API takes and returns; money in integer fen (a float or a string is refused)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.service_hall.dates import BusinessDate
from linli.service_hall.models import EntryKind, Meal, MealOrderStatus, Payment

# A price or a top-up: integer fen, never negative; 10 000 000 fen is 100 000 yuan.
Fen = Annotated[StrictInt, Field(ge=0, le=10_000_000)]
PositiveFen = Annotated[StrictInt, Field(gt=0, le=10_000_000)]
SUBSIDY_TAGS = ("elderly_60", "elderly_80", "living_alone", "low_income")


class SubsidyRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    tag: str = Field(
        description="elderly_60 / elderly_80 (from the birth year), living_alone, low_income",
        examples=["living_alone"],
    )
    amount_fen: Fen = Field(description="Off each meal for a resident with this tag")

    @field_validator("tag")
    @classmethod
    def _known(cls, tag: str) -> str:
        if tag not in SUBSIDY_TAGS:
            raise InvalidValue(
                "tag must be one of " + ", ".join(SUBSIDY_TAGS),
                "标签须为 " + "、".join(SUBSIDY_TAGS),
            )
        return tag


class SiteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr
    name: str = Field(min_length=1, max_length=64, examples=["东信长者食堂"])
    address: str = Field(min_length=1, max_length=128)
    daily_subsidy_cap_fen: Fen = Field(description="Subsidy one person may get in a day")
    stored_value_discount_bp: Annotated[StrictInt, Field(ge=0, le=10_000)] = Field(
        default=0, description="Off what is left after the subsidy when paid from stored value"
    )
    subsidy_rules: list[SubsidyRuleIn] = Field(default_factory=list, max_length=4)

    @field_validator("subsidy_rules")
    @classmethod
    def _unique(cls, rules: list[SubsidyRuleIn]) -> list[SubsidyRuleIn]:
        if len({r.tag for r in rules}) != len(rules):
            raise InvalidValue("one rule per tag", "每个标签只能有一条规则")
        return rules


class SiteRead(BaseModel):
    id: uuid.UUID
    community_code: str
    name: str
    address: str
    daily_subsidy_cap_fen: int
    stored_value_discount_bp: int
    subsidy_rules: list[SubsidyRuleIn]
    created_at: datetime


class DishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, examples=["红烧肉套餐"])
    base_price_fen: Fen
    cost_fen: Fen = Field(default=0, description="The kitchen's cost of a portion")
    portions: Annotated[StrictInt, Field(ge=1, le=10_000)]


class MenuCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    business_date: BusinessDate
    meal: Meal
    dishes: list[DishIn] = Field(min_length=1, max_length=30)


class DishRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    base_price_fen: int
    portions: int
    ordered: int


class MenuRead(BaseModel):
    id: uuid.UUID
    site_id: uuid.UUID
    business_date: date
    meal: Meal
    order_cutoff: datetime
    dishes: list[DishRead]


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dish_id: uuid.UUID
    quantity: Annotated[StrictInt, Field(ge=1, le=10)] = 1


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    menu_id: uuid.UUID
    items: list[OrderLineIn] = Field(min_length=1, max_length=10)
    payment: Payment = Payment.STORED_VALUE
    resident_id: uuid.UUID | None = Field(
        default=None, description="A worker ordering for an elder without a phone"
    )


class OrderLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    dish_id: uuid.UUID
    quantity: int
    unit_price_fen: int


class OrderRead(BaseModel):
    id: uuid.UUID
    site_id: uuid.UUID
    menu_id: uuid.UUID
    business_date: date
    resident_id: uuid.UUID
    status: MealOrderStatus
    payment: Payment
    base_fen: int
    subsidy_fen: int
    discount_fen: int
    price_fen: int
    subsidy_tags: list[str]
    placed_by_role: str
    lines: list[OrderLineRead]
    created_at: datetime


class TopUpCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: uuid.UUID
    resident_id: uuid.UUID
    amount_fen: PositiveFen


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: EntryKind
    amount_fen: int
    balance_after_fen: int
    order_id: uuid.UUID | None
    created_at: datetime


class AccountRead(BaseModel):
    id: uuid.UUID
    site_id: uuid.UUID
    resident_id: uuid.UUID
    balance_fen: int
    entries: list[EntryRead]


class KitchenLine(BaseModel):
    dish_id: uuid.UUID
    meal: Meal
    name: str
    portions: int
    ordered: int


class KitchenCount(BaseModel):
    site_id: uuid.UUID
    business_date: date
    dishes: list[KitchenLine]


class DayTotals(BaseModel):
    site_id: uuid.UUID
    business_date: date
    orders: int
    takings_fen: int
    subsidy_fen: int
    cost_fen: int
    profit_fen: int
    closed: bool
    closed_at: datetime | None
