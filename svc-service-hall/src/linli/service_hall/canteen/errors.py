"""Refusals of the canteen, each a problem response through the kernel's error tree."""

from __future__ import annotations

from datetime import date, datetime

from linli.common.errors import Conflict, FieldError, InvalidInput, NotFound
from linli.service_hall.calendar import SHANGHAI


class SiteNotFound(NotFound):
    """No such canteen site, or not one serving the caller."""

    problem = "canteen-site-not-found"
    title_en = "Canteen site not found"
    title_zh = "食堂不存在"


class MenuNotFound(NotFound):
    """No such menu, or not one of a site serving the caller."""

    problem = "menu-not-found"
    title_en = "Menu not found"
    title_zh = "菜单不存在"


class OrderNotFound(NotFound):
    """No such order, or not one the caller may see."""

    problem = "meal-order-not-found"
    title_en = "Order not found"
    title_zh = "订餐不存在"


class AccountNotFound(NotFound):
    """No stored-value account of this resident at this site."""

    problem = "canteen-account-not-found"
    title_en = "Stored-value account not found"
    title_zh = "储值账户不存在"


class OrderingClosed(Conflict):
    """Past the cut-off for the day (20:00 Asia/Shanghai the day before); names it."""

    problem = "ordering-closed"
    title_en = "Ordering closed for that day"
    title_zh = "已过订餐截止时间"

    def __init__(self, *, business_date: date, cutoff: datetime, action: str = "orders") -> None:
        local = cutoff.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        super().__init__(
            f"{action} for {business_date.isoformat()} closed at {local} (Asia/Shanghai)",
            cutoff=cutoff.isoformat(),
        )


class SoldOut(Conflict):
    """Not enough portions of a dish left; names it."""

    problem = "sold-out"
    title_en = "Sold out"
    title_zh = "份数不足"

    def __init__(self, *, dish: str, left: int) -> None:
        super().__init__(f"only {left} portion(s) of {dish} left", dish=dish, left=left)


class InsufficientBalance(Conflict):
    """The stored value does not cover the price; nothing was charged."""

    problem = "insufficient-balance"
    title_en = "Insufficient stored value"
    title_zh = "储值余额不足"

    def __init__(self, *, price_fen: int) -> None:
        super().__init__(
            f"the stored value does not cover {price_fen} fen; top up or pay cash",
            price_fen=price_fen,
        )


class AlreadyOrdered(Conflict):
    """The resident already has an order for this meal."""

    problem = "already-ordered"
    title_en = "Already ordered"
    title_zh = "该餐已订"

    def __init__(self) -> None:
        super().__init__("this resident already has an order for this meal; cancel it first")


class MenuExists(Conflict):
    """The site already has a menu for that day and meal."""

    problem = "menu-exists"
    title_en = "Menu already published"
    title_zh = "该餐菜单已发布"


class OrderNotLive(Conflict):
    """The order was cancelled already."""

    problem = "order-not-live"
    title_en = "Order already cancelled"
    title_zh = "订单已取消"


class DayNotOver(Conflict):
    """A day is closed once it has begun, and once."""

    problem = "day-not-closable"
    title_en = "Day cannot be closed"
    title_zh = "无法结算该日"


class BadOrder(InvalidInput):
    """A dish not on the menu, a dish twice, a resident missing or not served by the site."""

    problem = "invalid-order"
    title_en = "Invalid order"
    title_zh = "订餐有误"

    def __init__(self, field: str, message: str, zh: str) -> None:
        super().__init__(message, errors=[FieldError(field, "invalid", message, zh)])
