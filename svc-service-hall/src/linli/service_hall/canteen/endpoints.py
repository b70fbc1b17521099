"""HTTP API of the elderly canteen: `/canteen/...` sites, menus, orders, stored value, the
kitchen's count and the day's totals."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.canteen import service
from linli.service_hall.canteen.schemas import (
    AccountRead,
    DayTotals,
    KitchenCount,
    MenuCreate,
    MenuRead,
    OrderCreate,
    OrderRead,
    SiteCreate,
    SiteRead,
    TopUpCreate,
)
from linli.service_hall.clock import Now
from linli.service_hall.dates import BusinessDate

router = APIRouter(prefix="/canteen", tags=["canteen"], route_class=IdempotentRoute)

_SITE_404 = "No such canteen, or not one serving you"
_STAFF = "For the canteen's staff"
_UNKNOWN = "A resident the hall does not know yet, or a role that may not"


@router.post(
    "/sites",
    response_model=SiteRead,
    status_code=201,
    summary="Open a canteen site",
    responses=problem_responses({403: _STAFF, 422: "Invalid body"}),
)
async def create_site(
    session: DbSession, principal: CurrentPrincipal, site_in: SiteCreate
) -> SiteRead:
    """A 长者饭堂 of one community with its subsidy per meal by tag, the daily subsidy cap per
    person and the discount for paying from stored value."""
    return await service.create_site(session, site_in=site_in, principal=principal)


@router.get(
    "/sites",
    response_model=list[SiteRead],
    summary="List canteen sites",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_sites(
    session: DbSession, principal: CurrentPrincipal, division: DivisionFilter = None
) -> list[SiteRead]:
    return await service.list_sites(session, principal=principal, division=division)


@router.get(
    "/sites/{site_id}",
    response_model=SiteRead,
    summary="Read a canteen site",
    responses=problem_responses({403: _UNKNOWN, 404: _SITE_404}),
)
async def get_site(session: DbSession, principal: CurrentPrincipal, site_id: uuid.UUID) -> SiteRead:
    return await service.get_site(session, principal=principal, site_id=site_id)


@router.post(
    "/sites/{site_id}/menus",
    response_model=MenuRead,
    status_code=201,
    summary="Publish a menu",
    responses=problem_responses(
        {403: _STAFF, 404: _SITE_404, 409: "That day and meal has a menu", 422: "Invalid"}
    ),
)
async def publish_menu(
    session: DbSession,
    principal: CurrentPrincipal,
    now: Now,
    site_id: uuid.UUID,
    menu_in: MenuCreate,
) -> MenuRead:
    """A meal of a coming day: dishes with base price and daily portions."""
    return await service.publish_menu(
        session, principal=principal, site_id=site_id, menu_in=menu_in, now=now
    )


@router.get(
    "/sites/{site_id}/menus",
    response_model=list[MenuRead],
    summary="Menus of a day",
    responses=problem_responses({403: _UNKNOWN, 404: _SITE_404}),
)
async def list_menus(
    session: DbSession,
    principal: CurrentPrincipal,
    now: Now,
    site_id: uuid.UUID,
    business_date: BusinessDate | None = Query(default=None, alias="date", description="Tomorrow"),
) -> list[MenuRead]:
    """Each meal with its dishes, portions left (`portions - ordered`) and the order cut-off."""
    return await service.list_menus(
        session, principal=principal, site_id=site_id, business_date=business_date, now=now
    )


@router.post(
    "/orders",
    response_model=OrderRead,
    status_code=201,
    summary="Order a meal",
    responses=problem_responses(
        {
            403: _UNKNOWN,
            404: "No such menu, or not one serving you",
            409: "Past the cut-off (named), sold out, insufficient stored value, already ordered",
            422: "Invalid body, a dish not on the menu, a resident the canteen does not serve",
        }
    ),
)
async def place_order(
    session: DbSession, principal: CurrentPrincipal, now: Now, order_in: OrderCreate
) -> OrderRead:
    """For oneself, or by a worker for an elder (`resident_id`), until 20:00 Asia/Shanghai the
    day before. Price = base − subsidy by tag (within the daily cap) − stored-value discount."""
    return await service.place_order(session, principal=principal, order_in=order_in, now=now)


@router.get(
    "/orders",
    response_model=Page[OrderRead],
    summary="My orders",
    responses=problem_responses({403: "A resident the hall does not know yet"}),
)
async def list_orders(
    session: DbSession,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[OrderRead]:
    """The calling resident's orders, newest first, in every state."""
    return await service.list_my_orders(session, principal=principal, cursor=cursor, limit=limit)


@router.get(
    "/orders/{order_id}",
    response_model=OrderRead,
    summary="Read an order",
    responses=problem_responses({404: "No such order, or not yours"}),
)
async def get_order(
    session: DbSession, principal: CurrentPrincipal, order_id: uuid.UUID
) -> OrderRead:
    return await service.get_order(session, principal=principal, order_id=order_id)


@router.post(
    "/orders/{order_id}/cancel",
    response_model=OrderRead,
    summary="Cancel an order",
    responses=problem_responses(
        {404: "No such order, or not yours", 409: "Cancelled already, or past the cut-off"}
    ),
)
async def cancel_order(
    session: DbSession, principal: CurrentPrincipal, now: Now, order_id: uuid.UUID
) -> OrderRead:
    """Until the order cut-off: stored value refunded to the fen, portions given back."""
    return await service.cancel_order(session, principal=principal, order_id=order_id, now=now)


@router.post(
    "/top-ups",
    response_model=AccountRead,
    status_code=201,
    summary="Top up stored value",
    responses=problem_responses(
        {403: _STAFF, 404: _SITE_404, 422: "Amount not a positive integer of fen"}
    ),
)
async def top_up(
    session: DbSession, principal: CurrentPrincipal, top_up_in: TopUpCreate
) -> AccountRead:
    """A worker records money received as stored value (`amount_fen`, a positive integer)."""
    return await service.top_up(session, principal=principal, top_up_in=top_up_in)


@router.get(
    "/sites/{site_id}/account",
    response_model=AccountRead,
    summary="A stored-value account and its ledger",
    responses=problem_responses({403: _UNKNOWN, 404: "No such site or account"}),
)
async def get_account(
    session: DbSession,
    principal: CurrentPrincipal,
    site_id: uuid.UUID,
    resident_id: uuid.UUID | None = Query(default=None, description="Staff: whose account"),
) -> AccountRead:
    """The caller's own account (staff: `resident_id`'s), its balance and latest movements."""
    return await service.get_account(
        session, principal=principal, site_id=site_id, resident_id=resident_id
    )


@router.get(
    "/sites/{site_id}/kitchen",
    response_model=KitchenCount,
    summary="The kitchen's count",
    responses=problem_responses({403: _STAFF, 404: _SITE_404}),
)
async def kitchen(
    session: DbSession,
    principal: CurrentPrincipal,
    now: Now,
    site_id: uuid.UUID,
    business_date: BusinessDate | None = Query(default=None, alias="date", description="Tomorrow"),
) -> KitchenCount:
    """Portions ordered per dish for the day, from the live orders."""
    return await service.kitchen_count(
        session, principal=principal, site_id=site_id, business_date=business_date, now=now
    )


@router.get(
    "/sites/{site_id}/days/{business_date}",
    response_model=DayTotals,
    summary="The day's takings and subsidy",
    responses=problem_responses({403: _STAFF, 404: _SITE_404}),
)
async def day_totals(
    session: DbSession, principal: CurrentPrincipal, site_id: uuid.UUID, business_date: BusinessDate
) -> DayTotals:
    """Takings (what residents pay), subsidy and profit = takings + subsidy − kitchen cost."""
    return await service.day_totals(
        session, principal=principal, site_id=site_id, business_date=business_date
    )


@router.post(
    "/sites/{site_id}/days/{business_date}/close",
    response_model=DayTotals,
    summary="Close the day",
    responses=problem_responses(
        {403: _STAFF, 404: _SITE_404, 409: "Not begun yet, or closed already"}
    ),
)
async def close_day(
    session: DbSession,
    principal: CurrentPrincipal,
    now: Now,
    site_id: uuid.UUID,
    business_date: BusinessDate,
) -> DayTotals:
    """Publishes `canteen.day_closed` (svc-funds takes the profit as the community fund's
    income). A day closes itself at 00:30 the next morning if nobody did."""
    return await service.close_day(
        session, principal=principal, site_id=site_id, business_date=business_date, now=now
    )
