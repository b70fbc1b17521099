"""What svc-funds does with the service hall's `canteen.day_closed`: the day's profit of a
community canteen (a social enterprise) is posted as income to the community's fund, once per
site and business date.

The payload read (the hall's contract with funds, `cn.linli.service-hall.canteen.day_closed.v1`
on the community's subject): `site_id` (uuid), `site_name` (optional, ≤ 100 characters, shown as
the payer; 社区食堂 when absent), `community_code` (12 digits), `business_date` (ISO date,
Asia/Shanghai), `takings_fen`, `subsidy_fen` (integers ≥ 0) and `profit_fen` (an integer, may be
negative). A day without profit posts nothing. A community without a community fund cannot take
it: the event is dead-lettered as unprocessable, to be republished once the fund is opened.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictInt
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.conflicts import insert_or_conflict
from linli.common.consumers import ConsumerSpec, UnprocessableEvent, handler
from linli.common.divisions import DivisionCodeStr
from linli.common.events import CloudEvent
from linli.funds.funds.repository import FundRepository
from linli.funds.ledger.service import post_income
from linli.funds.models import Income
from linli.funds.money import yuan
from linli.funds.text import Title

HALL_ACTOR = "service-hall"
Fen = Annotated[StrictInt, Field(ge=0, le=10**13)]


class CanteenDayClosed(BaseModel):
    """The fields of the hall's event that funds reads (its own copy)."""

    type: Literal["cn.linli.service-hall.canteen.day_closed.v1"]
    site_id: uuid.UUID
    site_name: Title = "社区食堂"
    community_code: DivisionCodeStr
    business_date: date
    takings_fen: Fen
    subsidy_fen: Fen
    profit_fen: Annotated[StrictInt, Field(ge=-(10**13), le=10**13)]


async def on_canteen_day_closed(
    session: AsyncSession, day: CanteenDayClosed, event: CloudEvent
) -> None:
    if day.profit_fen <= 0:
        return
    fund = await FundRepository(session).community_fund(day.community_code)
    if fund is None:
        raise UnprocessableEvent(
            f"community {day.community_code} has no community fund for the canteen's "
            f"{day.business_date}",
            errors=[{"field": "community_code", "message": "no community fund", "type": "no_fund"}],
        )
    income = Income(
        fund_id=fund.id,
        amount_fen=day.profit_fen,
        payer=day.site_name,
        memo=(
            f"{day.business_date.isoformat()} 营业额{yuan(day.takings_fen)}元，"
            f"补贴{yuan(day.subsidy_fen)}元，利润{yuan(day.profit_fen)}元"
        ),
        recorded_by=HALL_ACTOR,
        site_id=day.site_id,
        business_date=day.business_date,
    )
    # The same day again (a redelivery, a corrected re-send) is the income posted already.
    if await insert_or_conflict(session, income):
        return
    await post_income(session, fund, income, actor=HALL_ACTOR)


CANTEEN_CONSUMER = ConsumerSpec.of(
    "funds-hall-canteen", handler(CanteenDayClosed, on_canteen_day_closed)
)
