"""Business rules of the elderly canteen.

Price of an order, in integer fen: base (the dishes' base prices) − subsidy − stored-value
discount. The subsidy is the sum of the site's rules for the resident's tags on the day
(`elderly_60` and `elderly_80` from the birth year in the hall's copy of the registry,
`living_alone` and `low_income` as stored there), at most the base, and at most what is left of
the site's daily cap for that person that day (counted across sites, under the row lock of the
person's `canteen_subsidy_days` row). The discount is the site's `stored_value_discount_bp` of
what is left, rounded down, for orders paid from stored value.

Orders for a day close at 20:00 Asia/Shanghai the day before, and so do cancellations. Every
counter that must hold under a burst moves in one conditional UPDATE under its row's lock:
portions (`ordered + q ≤ portions`), stored value (`balance − price ≥ 0`, also a CHECK); each
movement of stored value is a row of the append-only ledger, so a balance is its ledger's sum.
Locks are taken in one order (subsidy day, account, dishes by id) by orders and cancellations
alike, so they queue rather than deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.conflicts import insert_or_conflict
from linli.common.errors import Forbidden
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.common.timers import schedule
from linli.service_hall import access, calendar
from linli.service_hall.calendar import SHANGHAI
from linli.service_hall.canteen import events as ev
from linli.service_hall.canteen.errors import (
    AccountNotFound,
    AlreadyOrdered,
    BadOrder,
    DayNotOver,
    InsufficientBalance,
    MenuExists,
    MenuNotFound,
    OrderingClosed,
    OrderNotFound,
    OrderNotLive,
    SiteNotFound,
    SoldOut,
)
from linli.service_hall.canteen.repository import ORDERS, CanteenRepository
from linli.service_hall.canteen.schemas import (
    AccountRead,
    DayTotals,
    DishRead,
    EntryRead,
    KitchenCount,
    KitchenLine,
    MenuCreate,
    MenuRead,
    OrderCreate,
    OrderLineRead,
    OrderRead,
    SiteCreate,
    SiteRead,
    SubsidyRuleIn,
    TopUpCreate,
)
from linli.service_hall.models import (
    AccountEntry,
    CanteenDay,
    CanteenSite,
    Dish,
    EntryKind,
    MealOrder,
    MealOrderLine,
    MealOrderStatus,
    Menu,
    Payment,
    StoredValueAccount,
    SubsidyRule,
)
from linli.service_hall.residents.service import KnownResident, known_resident

CLOSE_DAY_TIMER = "canteen.close_day"
ORDER_CUTOFF = time(20, 0)
# The day closes itself at 00:30 the next morning unless a worker closed it before.
AUTO_CLOSE_AT = time(0, 30)


def order_cutoff(business_date: date) -> datetime:
    """Orders (and cancellations) for `business_date` close at 20:00 Shanghai the day before."""
    return datetime.combine(business_date - timedelta(days=1), ORDER_CUTOFF, tzinfo=SHANGHAI)


def tags_on(resident: KnownResident, day: date) -> set[str]:
    """The subsidy tags a resident holds on `day`: age bands from the birth year, stored tags."""
    tags = set(resident.tags)
    if resident.birth_year is not None:
        age = day.year - resident.birth_year
        if age >= 60:
            tags.add("elderly_60")
        if age >= 80:
            tags.add("elderly_80")
    return tags


# --- sites and menus -----------------------------------------------------------------------------


def _require_staff(principal: Principal, site: CanteenSite) -> None:
    if not access.hall_staff_of(principal, site.community_code):
        raise Forbidden("for the canteen's staff (the community's workers and levels above)")


async def _visible_site(
    session: AsyncSession, principal: Principal, site_id: uuid.UUID
) -> CanteenSite:
    """The site if it serves the calling resident's community or the staff's scope covers it."""
    site = await CanteenRepository(session).site(site_id)
    if site is None:
        raise SiteNotFound()
    if access.is_staff(principal):
        if not principal.covers(site.community_code):
            raise SiteNotFound()
        return site
    resident = await access.calling_resident(session, principal)
    if resident.community_code != site.community_code:
        raise SiteNotFound()
    return site


async def read_site(session: AsyncSession, site: CanteenSite) -> SiteRead:
    rules = await CanteenRepository(session).rules(site.id)
    return SiteRead(
        id=site.id,
        community_code=site.community_code,
        name=site.name,
        address=site.address,
        daily_subsidy_cap_fen=site.daily_subsidy_cap_fen,
        stored_value_discount_bp=site.stored_value_discount_bp,
        subsidy_rules=[SubsidyRuleIn.model_validate(r) for r in rules],
        created_at=site.created_at,
    )


async def create_site(
    session: AsyncSession, *, site_in: SiteCreate, principal: Principal
) -> SiteRead:
    if not access.hall_staff_of(principal, site_in.community_code):
        raise Forbidden("a canteen is opened by the community's workers or a level above")
    site = CanteenSite(**site_in.model_dump(exclude={"subsidy_rules"}))
    session.add(site)
    await session.flush()
    session.add_all(
        SubsidyRule(site_id=site.id, tag=r.tag, amount_fen=r.amount_fen)
        for r in site_in.subsidy_rules
    )
    await session.flush()
    return await read_site(session, site)


async def get_site(session: AsyncSession, *, principal: Principal, site_id: uuid.UUID) -> SiteRead:
    return await read_site(session, await _visible_site(session, principal, site_id))


async def list_sites(
    session: AsyncSession, *, principal: Principal, division: str | None
) -> list[SiteRead]:
    if access.is_staff(principal):
        prefix = division or principal.scope
        principal.require_scope(prefix)
    else:
        prefix = (await access.calling_resident(session, principal)).community_code
    return [
        await read_site(session, s) for s in await CanteenRepository(session).sites(prefix=prefix)
    ]


def _menu_read(menu: Menu, dishes: Sequence[Dish]) -> MenuRead:
    return MenuRead(
        id=menu.id,
        site_id=menu.site_id,
        business_date=menu.business_date,
        meal=menu.meal,
        order_cutoff=order_cutoff(menu.business_date),
        dishes=[DishRead.model_validate(d) for d in dishes if d.menu_id == menu.id],
    )


async def publish_menu(
    session: AsyncSession,
    *,
    principal: Principal,
    site_id: uuid.UUID,
    menu_in: MenuCreate,
    now: datetime,
) -> MenuRead:
    """A meal of a coming day, its dishes and daily portions; arms the day's automatic close."""
    site = await _visible_site(session, principal, site_id)
    _require_staff(principal, site)
    if menu_in.business_date <= calendar.today(now):
        raise BadOrder(
            "body.business_date", "menus are published for coming days", "只能发布今后日期的菜单"
        )
    menu = Menu(
        id=uuid.uuid4(), site_id=site.id, business_date=menu_in.business_date, meal=menu_in.meal
    )
    if await insert_or_conflict(session, menu):
        raise MenuExists(f"{menu_in.business_date} {menu_in.meal.value} has a menu already")
    dishes = [
        Dish(id=uuid.uuid4(), menu_id=menu.id, ordered=0, **d.model_dump()) for d in menu_in.dishes
    ]
    session.add_all(dishes)
    await session.flush()
    await schedule(
        session,
        kind=CLOSE_DAY_TIMER,
        key=f"{site.id}:{menu.business_date.isoformat()}",
        due_at=datetime.combine(
            menu.business_date + timedelta(days=1), AUTO_CLOSE_AT, tzinfo=SHANGHAI
        ),
        payload={"site_id": str(site.id), "business_date": menu.business_date.isoformat()},
    )
    return _menu_read(menu, dishes)


async def list_menus(
    session: AsyncSession,
    *,
    principal: Principal,
    site_id: uuid.UUID,
    business_date: date | None,
    now: datetime,
) -> list[MenuRead]:
    site = await _visible_site(session, principal, site_id)
    day = business_date or calendar.today(now) + timedelta(days=1)
    repository = CanteenRepository(session)
    menus = await repository.menus(site.id, day)
    dishes = await repository.dishes([m.id for m in menus]) if menus else []
    return [_menu_read(m, dishes) for m in menus]


# --- orders --------------------------------------------------------------------------------------


async def _for_whom(
    session: AsyncSession, principal: Principal, site: CanteenSite, resident_id: uuid.UUID | None
) -> tuple[KnownResident, str]:
    """The resident ordering for themselves, or the elder a worker of the site orders for."""
    if access.is_staff(principal):
        if resident_id is None:
            raise BadOrder(
                "body.resident_id",
                "a worker orders for a resident: give `resident_id`",
                "工作人员代订须提供居民",
            )
        resident = await known_resident(session, resident_id)
        if resident is None or not access.hall_staff_of(principal, resident.community_code):
            raise BadOrder(
                "body.resident_id", "no such resident in the communities you serve", "居民不存在"
            )
        role = access.actor(principal).role
    else:
        principal.require_role(Role.RESIDENT)
        resident = await access.calling_resident(session, principal)
        if resident_id is not None and resident_id != resident.resident_id:
            raise Forbidden("a resident orders for themselves")
        role = Role.RESIDENT.value
    if resident.community_code != site.community_code:
        raise BadOrder(
            "body.resident_id",
            "this canteen does not serve the resident's community",
            "该食堂不服务此居民所在社区",
        )
    return resident, role


async def read_orders(session: AsyncSession, orders: Sequence[MealOrder]) -> list[OrderRead]:
    lines = await CanteenRepository(session).lines([o.id for o in orders]) if orders else {}
    return [
        OrderRead(
            id=o.id,
            site_id=o.site_id,
            menu_id=o.menu_id,
            business_date=o.business_date,
            resident_id=o.resident_id,
            status=o.status,
            payment=o.payment,
            base_fen=o.base_fen,
            subsidy_fen=o.subsidy_fen,
            discount_fen=o.discount_fen,
            price_fen=o.price_fen,
            subsidy_tags=[t for t in o.subsidy_tags.split(",") if t],
            placed_by_role=o.placed_by_role,
            lines=[OrderLineRead.model_validate(line) for line in lines.get(o.id, [])],
            created_at=o.created_at,
        )
        for o in orders
    ]


async def place_order(
    session: AsyncSession, *, principal: Principal, order_in: OrderCreate, now: datetime
) -> OrderRead:
    repository = CanteenRepository(session)
    menu = await repository.menu(order_in.menu_id)
    if menu is None:
        raise MenuNotFound()
    try:
        site = await _visible_site(session, principal, menu.site_id)
    except SiteNotFound:
        raise MenuNotFound() from None
    resident, role = await _for_whom(session, principal, site, order_in.resident_id)
    cutoff = order_cutoff(menu.business_date)
    if now >= cutoff:
        raise OrderingClosed(business_date=menu.business_date, cutoff=cutoff)
    dishes = {d.id: d for d in await repository.dishes([menu.id])}
    wanted = sorted(order_in.items, key=lambda i: i.dish_id)
    if len({i.dish_id for i in wanted}) != len(wanted):
        raise BadOrder("body.items", "each dish once (use `quantity`)", "每道菜只列一次")
    for index, item in enumerate(order_in.items):
        if item.dish_id not in dishes:
            raise BadOrder(
                f"body.items.{index}.dish_id", "not a dish of this menu", "不是该菜单的菜品"
            )
    base = sum(dishes[i.dish_id].base_price_fen * i.quantity for i in wanted)
    cost = sum(dishes[i.dish_id].cost_fen * i.quantity for i in wanted)

    tags = tags_on(resident, menu.business_date)
    granted = [r for r in await repository.rules(site.id) if r.tag in tags and r.amount_fen > 0]
    entitled = min(sum(r.amount_fen for r in granted), base)
    subsidy = 0
    if entitled > 0:
        used = await repository.subsidy_day(resident.resident_id, menu.business_date)
        subsidy = min(entitled, max(site.daily_subsidy_cap_fen - used.used_fen, 0))
        used.used_fen += subsidy
    discount = 0
    if order_in.payment is Payment.STORED_VALUE:
        discount = (base - subsidy) * site.stored_value_discount_bp // 10_000
    price = base - subsidy - discount

    order = MealOrder(
        id=uuid.uuid4(),
        site_id=site.id,
        menu_id=menu.id,
        business_date=menu.business_date,
        resident_id=resident.resident_id,
        community_code=resident.community_code,
        status=MealOrderStatus.PLACED,
        payment=order_in.payment,
        base_fen=base,
        subsidy_fen=subsidy,
        discount_fen=discount,
        price_fen=price,
        cost_fen=cost,
        subsidy_tags=",".join(sorted(r.tag for r in granted)) if subsidy else "",
        placed_by_role=role,
    )
    if await insert_or_conflict(session, order, on={"uq_canteen_orders_live_resident_menu"}):
        raise AlreadyOrdered()

    if order_in.payment is Payment.STORED_VALUE and price > 0:
        account = await repository.account(site.id, resident.resident_id)
        balance = await repository.move_balance(account.id, -price) if account else None
        if account is None or balance is None:
            raise InsufficientBalance(price_fen=price)
        session.add(
            AccountEntry(
                account_id=account.id,
                kind=EntryKind.ORDER,
                amount_fen=-price,
                balance_after_fen=balance,
                order_id=order.id,
                actor_role=role,
            )
        )
    for item in wanted:
        dish = dishes[item.dish_id]
        name, left = dish.name, dish.portions - dish.ordered
        if await repository.take_portions(dish.id, item.quantity) is None:
            raise SoldOut(dish=name, left=max(left, 0))
    session.add_all(
        MealOrderLine(
            order_id=order.id,
            dish_id=i.dish_id,
            quantity=i.quantity,
            unit_price_fen=dishes[i.dish_id].base_price_fen,
        )
        for i in wanted
    )
    await session.flush()
    await events_of(session).record(
        ev.MealOrderPlaced(
            community_code=order.community_code,
            order_id=order.id,
            site_id=site.id,
            menu_id=menu.id,
            business_date=menu.business_date,
            meal=menu.meal.value,
            resident_id=order.resident_id,
            payment=order.payment.value,
            base_fen=base,
            subsidy_fen=subsidy,
            discount_fen=discount,
            price_fen=price,
            placed_by_role=role,
        ),
        subject_id=order.id,
    )
    return (await read_orders(session, [order]))[0]


async def _visible_order(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID, *, for_update: bool = False
) -> MealOrder:
    order = await CanteenRepository(session).order(order_id, for_update=for_update)
    if order is None or not (
        access.resident_id_of(principal) == order.resident_id
        or access.hall_staff_of(principal, order.community_code)
    ):
        raise OrderNotFound()
    return order


async def get_order(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID
) -> OrderRead:
    return (await read_orders(session, [await _visible_order(session, principal, order_id)]))[0]


async def list_my_orders(
    session: AsyncSession, *, principal: Principal, cursor: str | None, limit: int
) -> Page[OrderRead]:
    """The calling resident's orders, newest first."""
    resident = await access.calling_resident(session, principal)
    rows = await CanteenRepository(session).orders_of(
        resident.resident_id, after=ORDERS.decode(cursor), limit=limit
    )
    page = ORDERS.page(rows, limit=limit, read=lambda o: o)
    return Page[OrderRead](
        items=await read_orders(session, page.items), next_cursor=page.next_cursor
    )


async def cancel_order(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID, now: datetime
) -> OrderRead:
    """Before the cut-off: stored value refunded to the fen, portions and subsidy given back.

    The person's subsidy day is locked before the order, as placing an order locks it before
    writing one: a cancellation and a new order of the same meal at once queue, never deadlock.
    """
    repository = CanteenRepository(session)
    seen = await _visible_order(session, principal, order_id)
    used = (
        await repository.subsidy_day(seen.resident_id, seen.business_date)
        if seen.subsidy_fen > 0
        else None
    )
    order = await _visible_order(session, principal, order_id, for_update=True)
    if order.status is not MealOrderStatus.PLACED:
        raise OrderNotLive("this order was cancelled already")
    cutoff = order_cutoff(order.business_date)
    if now >= cutoff:
        raise OrderingClosed(
            business_date=order.business_date, cutoff=cutoff, action="cancellations"
        )
    role = access.actor(principal).role
    if used is not None:
        used.used_fen -= order.subsidy_fen
    refunded = 0
    if order.payment is Payment.STORED_VALUE and order.price_fen > 0:
        account = await repository.account(order.site_id, order.resident_id)
        assert account is not None  # it paid for the order
        balance = await repository.move_balance(account.id, order.price_fen)
        assert balance is not None
        refunded = order.price_fen
        session.add(
            AccountEntry(
                account_id=account.id,
                kind=EntryKind.REFUND,
                amount_fen=refunded,
                balance_after_fen=balance,
                order_id=order.id,
                actor_role=role,
            )
        )
    for line in (await repository.lines([order.id]))[order.id]:
        await repository.give_back_portions(line.dish_id, line.quantity)
    order.status = MealOrderStatus.CANCELLED
    await session.flush()
    await events_of(session).record(
        ev.MealOrderCancelled(
            community_code=order.community_code,
            order_id=order.id,
            site_id=order.site_id,
            business_date=order.business_date,
            resident_id=order.resident_id,
            refunded_fen=refunded,
            subsidy_returned_fen=order.subsidy_fen,
            cancelled_by_role=role,
        ),
        subject_id=order.id,
    )
    return (await read_orders(session, [order]))[0]


# --- stored value --------------------------------------------------------------------------------


async def _account_read(session: AsyncSession, account: StoredValueAccount) -> AccountRead:
    entries = await CanteenRepository(session).entries(account.id)
    return AccountRead(
        id=account.id,
        site_id=account.site_id,
        resident_id=account.resident_id,
        balance_fen=account.balance_fen,
        entries=[EntryRead.model_validate(e) for e in entries],
    )


async def top_up(
    session: AsyncSession, *, principal: Principal, top_up_in: TopUpCreate
) -> AccountRead:
    """A worker of the site records money received (cash, transfer) as stored value."""
    site = await _visible_site(session, principal, top_up_in.site_id)
    _require_staff(principal, site)
    resident = await known_resident(session, top_up_in.resident_id)
    if resident is None or resident.community_code != site.community_code:
        raise BadOrder(
            "body.resident_id", "no such resident served by this canteen", "该食堂无此居民"
        )
    repository = CanteenRepository(session)
    account = await repository.account(
        site.id, resident.resident_id, create_with=resident.community_code
    )
    assert account is not None
    balance = await repository.move_balance(account.id, top_up_in.amount_fen)
    assert balance is not None
    session.add(
        AccountEntry(
            account_id=account.id,
            kind=EntryKind.TOP_UP,
            amount_fen=top_up_in.amount_fen,
            balance_after_fen=balance,
            actor_role=access.actor(principal).role,
        )
    )
    await session.flush()
    await session.refresh(account)
    await events_of(session).record(
        ev.CanteenToppedUp(
            community_code=site.community_code,
            account_id=account.id,
            site_id=site.id,
            resident_id=resident.resident_id,
            amount_fen=top_up_in.amount_fen,
            balance_fen=balance,
        ),
        subject_id=account.id,
    )
    return await _account_read(session, account)


async def get_account(
    session: AsyncSession,
    *,
    principal: Principal,
    site_id: uuid.UUID,
    resident_id: uuid.UUID | None,
) -> AccountRead:
    """A resident's own account at the site; staff name the resident."""
    site = await _visible_site(session, principal, site_id)
    if access.is_staff(principal):
        _require_staff(principal, site)
        if resident_id is None:
            raise AccountNotFound()
        whose = resident_id
    else:
        whose = (await access.calling_resident(session, principal)).resident_id
    account = await CanteenRepository(session).account(site.id, whose)
    if account is None:
        raise AccountNotFound()
    return await _account_read(session, account)


# --- the kitchen and the day ---------------------------------------------------------------------


async def kitchen_count(
    session: AsyncSession,
    *,
    principal: Principal,
    site_id: uuid.UUID,
    business_date: date | None,
    now: datetime,
) -> KitchenCount:
    """Portions to cook per dish (tomorrow by default), from the live orders."""
    site = await _visible_site(session, principal, site_id)
    _require_staff(principal, site)
    day = business_date or calendar.today(now) + timedelta(days=1)
    rows = await CanteenRepository(session).kitchen(site.id, day)
    return KitchenCount(
        site_id=site.id,
        business_date=day,
        dishes=[
            KitchenLine(
                dish_id=r.id, meal=r.meal, name=r.name, portions=r.portions, ordered=int(r.ordered)
            )
            for r in rows
        ],
    )


async def day_totals(
    session: AsyncSession, *, principal: Principal, site_id: uuid.UUID, business_date: date
) -> DayTotals:
    site = await _visible_site(session, principal, site_id)
    _require_staff(principal, site)
    repository = CanteenRepository(session)
    closed = await repository.day(site.id, business_date)
    if closed is not None:
        orders, takings, subsidy, cost = (
            closed.orders,
            closed.takings_fen,
            closed.subsidy_fen,
            closed.cost_fen,
        )
    else:
        orders, takings, subsidy, cost = await repository.totals(site.id, business_date)
    return DayTotals(
        site_id=site.id,
        business_date=business_date,
        orders=orders,
        takings_fen=takings,
        subsidy_fen=subsidy,
        cost_fen=cost,
        profit_fen=takings + subsidy - cost,
        closed=closed is not None,
        closed_at=closed.closed_at if closed else None,
    )


async def _close(
    session: AsyncSession, site: CanteenSite, business_date: date, *, role: str, now: datetime
) -> CanteenDay | None:
    """Write the day's totals and `canteen.day_closed`; None if it was closed already."""
    orders, takings, subsidy, cost = await CanteenRepository(session).totals(site.id, business_date)
    day = CanteenDay(
        site_id=site.id,
        business_date=business_date,
        orders=orders,
        takings_fen=takings,
        subsidy_fen=subsidy,
        cost_fen=cost,
        profit_fen=takings + subsidy - cost,
        closed_by_role=role,
        closed_at=now,
    )
    if await insert_or_conflict(session, day, on={"pk_canteen_days"}):
        return None
    await events_of(session).record(
        ev.CanteenDayClosed(
            community_code=site.community_code,
            site_id=site.id,
            site_name=site.name,
            business_date=business_date,
            takings_fen=takings,
            subsidy_fen=subsidy,
            profit_fen=takings + subsidy - cost,
        ),
        subject_id=site.id,
    )
    return day


async def close_day(
    session: AsyncSession,
    *,
    principal: Principal,
    site_id: uuid.UUID,
    business_date: date,
    now: datetime,
) -> DayTotals:
    """Close a day that has begun (its orders closed the evening before), once."""
    site = await _visible_site(session, principal, site_id)
    _require_staff(principal, site)
    if business_date > calendar.today(now):
        raise DayNotOver(f"{business_date} has not begun; a day is closed on or after it")
    if (
        await _close(session, site, business_date, role=access.actor(principal).role, now=now)
        is None
    ):
        raise DayNotOver(f"{business_date} is closed already")
    return await day_totals(
        session, principal=principal, site_id=site_id, business_date=business_date
    )


async def on_close_day_timer(
    session: AsyncSession, site_id: uuid.UUID, business_date: date, *, now: datetime
) -> None:
    site = await CanteenRepository(session).site(site_id)
    if site is not None:
        await _close(session, site, business_date, role="system", now=now)
