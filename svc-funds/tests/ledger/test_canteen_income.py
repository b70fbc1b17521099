"""The hall's `canteen.day_closed`: the day's profit posted as income to the community's fund,
once per site and date; no profit posts nothing; unreadable days are dead-lettered."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.consumers import UnprocessableEvent
from linli.common.events import CloudEvent
from linli.funds.ledger.handlers import CANTEEN_CONSUMER
from linli.testing import OutboxReader

Sessions = async_sessionmaker[AsyncSession]
FundFactory = Callable[..., Awaitable[dict[str, Any]]]
TYPE = "cn.linli.service-hall.canteen.day_closed.v1"
SITE = uuid.UUID("6f1d3c1e-0000-4000-8000-000000000001")


def day_closed(business_date: str = "2026-12-02", **data: Any) -> CloudEvent:
    body = {
        "type": TYPE,
        "site_id": str(SITE),
        "site_name": "东信长者食堂",
        "community_code": "330108001001",
        "business_date": business_date,
        "takings_fen": 356_000,
        "subsidy_fen": 42_000,
        "profit_fen": 18_050,
        **data,
    }
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/service-hall",
        type=TYPE,
        subject=str(SITE),
        time=datetime.now(UTC),
        data=body,
    )


async def apply(sessionmaker: Sessions, event: CloudEvent) -> None:
    async with sessionmaker.begin() as session:
        await CANTEEN_CONSUMER.handler(session, event)


async def test_the_days_profit_is_income_once_per_site_and_date(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    create_fund: FundFactory,
    outbox: OutboxReader,
) -> None:
    assert CANTEEN_CONSUMER.filter_subjects == ["linli.*.*.*.*.service-hall.canteen.day_closed"]
    fund = await create_fund()
    await apply(sessionmaker, day_closed())
    await apply(sessionmaker, day_closed())  # redelivered under a new event id
    await apply(sessionmaker, day_closed(profit_fen=99_999))  # a re-send of the same day
    await apply(sessionmaker, day_closed("2026-12-03", profit_fen=0))  # no profit: nothing
    await apply(sessionmaker, day_closed("2026-12-04", profit_fen=-500))
    await apply(sessionmaker, day_closed("2026-12-05", profit_fen=1))

    assert (await client.get(f"/funds/{fund['id']}")).json()["balance_fen"] == 18_051
    movements = (await client.get(f"/funds/{fund['id']}/ledger")).json()["items"]
    assert [(m["kind"], m["amount_fen"]) for m in movements] == [("income", 1), ("income", 18_050)]
    assert "营业额3560.00元，补贴420.00元，利润180.50元" in movements[1]["memo"]
    payers = [d["payer"] for d in await outbox.data("income.received")]
    assert payers == ["东信长者食堂", "东信长者食堂"]
    assert (await client.get(f"/funds/{fund['id']}/ledger/check")).json()["ok"] is True


@pytest.mark.parametrize(
    ("field", "value"),
    [("takings_fen", -1), ("profit_fen", 1.5), ("business_date", "2026-13-01"), ("site_id", "x")],
)
async def test_unreadable_days_are_dead_lettered(
    sessionmaker: Sessions, create_fund: FundFactory, field: str, value: Any
) -> None:
    await create_fund()
    with pytest.raises(UnprocessableEvent, match=field):
        await apply(sessionmaker, day_closed(**{field: value}))


async def test_a_community_without_a_fund_is_dead_lettered(sessionmaker: Sessions) -> None:
    with pytest.raises(UnprocessableEvent, match="no community fund"):
        await apply(sessionmaker, day_closed())
