"""The elderly canteen (长者饭堂): sites, subsidy rules, menus and dishes, orders, stored-value
accounts with their append-only ledger, subsidy used per person and day, and closed days."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.service_hall.models import Base


class Meal(StrEnum):
    BREAKFAST = "breakfast"
    LUNCH = "lunch"
    DINNER = "dinner"


class MealOrderStatus(StrEnum):
    PLACED = "placed"
    CANCELLED = "cancelled"


class Payment(StrEnum):
    """Stored value is paid (and refunded) at once; cash is paid at the counter when collected."""

    STORED_VALUE = "stored_value"
    CASH = "cash"


class EntryKind(StrEnum):
    TOP_UP = "top_up"
    ORDER = "order"
    REFUND = "refund"


class CanteenSite(Base):
    """A canteen of one community, with its daily subsidy cap per person and stored-value discount."""

    __tablename__ = "canteen_sites"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str] = mapped_column(String(128), nullable=False)
    daily_subsidy_cap_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Off what is left after the subsidy, for paying from stored value: 500 = 5 %.
    stored_value_discount_bp: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("daily_subsidy_cap_fen >= 0", name="cap"),
        CheckConstraint("stored_value_discount_bp BETWEEN 0 AND 10000", name="discount"),
    )


class SubsidyRule(Base):
    """What one tag is worth per meal at a site (elderly_60, elderly_80, living_alone, low_income)."""

    __tablename__ = "canteen_subsidy_rules"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canteen_sites.id"), nullable=False)
    tag: Mapped[str] = mapped_column(String(32), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)

    __table_args__ = (
        UniqueConstraint("site_id", "tag", name="uq_canteen_subsidy_rules_site_tag"),
        CheckConstraint("amount_fen >= 0", name="amount"),
    )


class Menu(Base):
    """One meal of one day at a site."""

    __tablename__ = "canteen_menus"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canteen_sites.id"), nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    meal: Mapped[Meal] = mapped_column(str_enum(Meal, "meal"), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("site_id", "business_date", "meal", name="uq_canteen_menus_site_day_meal"),
    )


class Dish(Base):
    """A dish of a menu; `ordered` is moved only by a conditional UPDATE that keeps it ≤ portions."""

    __tablename__ = "canteen_dishes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    menu_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("canteen_menus.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    base_price_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # What a portion costs the kitchen: the day's profit is takings + subsidy − cost.
    cost_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    portions: Mapped[int] = mapped_column(Integer, nullable=False)
    ordered: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))

    __table_args__ = (
        CheckConstraint("base_price_fen >= 0 AND cost_fen >= 0", name="money"),
        CheckConstraint("ordered >= 0 AND ordered <= portions", name="ordered_within_portions"),
    )


class MealOrder(Base):
    """A resident's order of one meal: price = base − subsidy − stored-value discount, in fen."""

    __tablename__ = "canteen_orders"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canteen_sites.id"), nullable=False)
    menu_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canteen_menus.id"), nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    status: Mapped[MealOrderStatus] = mapped_column(
        str_enum(MealOrderStatus, "meal_order_status"), nullable=False
    )
    payment: Mapped[Payment] = mapped_column(str_enum(Payment, "payment"), nullable=False)
    base_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    discount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    price_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cost_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Tags the subsidy was granted for, as they stood when the order was placed.
    subsidy_tags: Mapped[str] = mapped_column(String(128), nullable=False)
    placed_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint(
            "subsidy_fen >= 0 AND discount_fen >= 0 AND price_fen >= 0 "
            "AND price_fen = base_fen - subsidy_fen - discount_fen",
            name="price",
        ),
        Index(
            "uq_canteen_orders_live_resident_menu",
            "resident_id",
            "menu_id",
            unique=True,
            postgresql_where=text("status = 'placed'"),
        ),
        Index("ix_canteen_orders_site_day", "site_id", "business_date"),
    )


class MealOrderLine(Base):
    __tablename__ = "canteen_order_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canteen_orders.id"), nullable=False)
    dish_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canteen_dishes.id"), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)

    __table_args__ = (
        PrimaryKeyConstraint("order_id", "dish_id", name="pk_canteen_order_lines"),
        CheckConstraint("quantity BETWEEN 1 AND 10", name="quantity"),
        Index("ix_canteen_order_lines_dish", "dish_id"),
    )


class StoredValueAccount(Base):
    """A resident's stored value at a site; `balance_fen` is the sum of its ledger, never negative."""

    __tablename__ = "canteen_accounts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canteen_sites.id"), nullable=False)
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    balance_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("site_id", "resident_id", name="uq_canteen_accounts_site_resident"),
        CheckConstraint("balance_fen >= 0", name="balance_not_negative"),
    )


class AccountEntry(Base):
    """One movement of stored value (append-only: the database refuses UPDATE and DELETE)."""

    __tablename__ = "canteen_account_entries"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canteen_accounts.id"), nullable=False)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "entry_kind"), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    balance_after_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    order_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_role: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("amount_fen <> 0 AND balance_after_fen >= 0", name="movement"),
        Index("ix_canteen_account_entries_account", "account_id", "created_at"),
    )


class SubsidyDay(Base):
    """Subsidy granted to one person on one date, across sites: the daily cap holds under a row lock."""

    __tablename__ = "canteen_subsidy_days"

    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    used_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))

    __table_args__ = (
        PrimaryKeyConstraint("resident_id", "business_date", name="pk_canteen_subsidy_days"),
        CheckConstraint("used_fen >= 0", name="used"),
    )


class CanteenDay(Base):
    """A site's closed day: its totals as published in `canteen.day_closed`."""

    __tablename__ = "canteen_days"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canteen_sites.id"), nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    orders: Mapped[int] = mapped_column(Integer, nullable=False)
    takings_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cost_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    profit_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    closed_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (PrimaryKeyConstraint("site_id", "business_date", name="pk_canteen_days"),)
