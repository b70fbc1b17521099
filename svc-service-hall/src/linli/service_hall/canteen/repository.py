"""Queries of the canteen: counters (portions, balances, subsidy used) moved only by conditional
UPDATEs or under a row lock, and the day's sums."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset
from linli.service_hall.models import (
    AccountEntry,
    CanteenDay,
    CanteenSite,
    Dish,
    MealOrder,
    MealOrderLine,
    MealOrderStatus,
    Menu,
    StoredValueAccount,
    SubsidyDay,
    SubsidyRule,
)

# A resident's orders, newest first.
ORDERS = Keyset(MealOrder.created_at, MealOrder.id, descending=True)


class CanteenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def site(self, site_id: uuid.UUID) -> CanteenSite | None:
        return await self.session.get(CanteenSite, site_id)

    async def sites(self, *, prefix: str) -> Sequence[CanteenSite]:
        statement = (
            select(CanteenSite)
            .where(CanteenSite.community_code.startswith(prefix))
            .order_by(CanteenSite.name, CanteenSite.id)
            .limit(200)
        )
        return (await self.session.scalars(statement)).all()

    async def rules(self, site_id: uuid.UUID) -> Sequence[SubsidyRule]:
        statement = select(SubsidyRule).where(SubsidyRule.site_id == site_id)
        return (await self.session.scalars(statement.order_by(SubsidyRule.tag))).all()

    async def menu(self, menu_id: uuid.UUID) -> Menu | None:
        return await self.session.get(Menu, menu_id)

    async def menus(self, site_id: uuid.UUID, business_date: date) -> Sequence[Menu]:
        statement = select(Menu).where(Menu.site_id == site_id, Menu.business_date == business_date)
        return (await self.session.scalars(statement.order_by(Menu.meal))).all()

    async def dishes(self, menu_ids: Sequence[uuid.UUID]) -> Sequence[Dish]:
        statement = select(Dish).where(Dish.menu_id.in_(menu_ids)).order_by(Dish.name, Dish.id)
        return (await self.session.scalars(statement)).all()

    async def take_portions(self, dish_id: uuid.UUID, quantity: int) -> int | None:
        """Portions taken in one statement under the dish's row lock: never past `portions`."""
        result = await self.session.execute(
            update(Dish)
            .where(Dish.id == dish_id, Dish.ordered + quantity <= Dish.portions)
            .values(ordered=Dish.ordered + quantity)
            .returning(Dish.ordered)
        )
        return result.scalar_one_or_none()

    async def give_back_portions(self, dish_id: uuid.UUID, quantity: int) -> None:
        await self.session.execute(
            update(Dish).where(Dish.id == dish_id).values(ordered=Dish.ordered - quantity)
        )

    async def subsidy_day(self, resident_id: uuid.UUID, business_date: date) -> SubsidyDay:
        """The person's subsidy used that day, its row locked (created at 0 if none)."""
        await self.session.execute(
            insert(SubsidyDay)
            .values(resident_id=resident_id, business_date=business_date, used_fen=0)
            .on_conflict_do_nothing()
        )
        statement = (
            select(SubsidyDay)
            .where(SubsidyDay.resident_id == resident_id, SubsidyDay.business_date == business_date)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).one()

    async def account(
        self, site_id: uuid.UUID, resident_id: uuid.UUID, *, create_with: str | None = None
    ) -> StoredValueAccount | None:
        if create_with is not None:
            await self.session.execute(
                insert(StoredValueAccount)
                .values(
                    id=uuid.uuid4(),
                    site_id=site_id,
                    resident_id=resident_id,
                    community_code=create_with,
                    balance_fen=0,
                )
                .on_conflict_do_nothing(constraint="uq_canteen_accounts_site_resident")
            )
        statement = select(StoredValueAccount).where(
            StoredValueAccount.site_id == site_id, StoredValueAccount.resident_id == resident_id
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def move_balance(self, account_id: uuid.UUID, amount_fen: int) -> int | None:
        """Add `amount_fen` (negative to charge) in one statement under the account's row lock:
        the new balance, or None when it would go below zero (nothing changed)."""
        result = await self.session.execute(
            update(StoredValueAccount)
            .where(
                StoredValueAccount.id == account_id,
                StoredValueAccount.balance_fen + amount_fen >= 0,
            )
            .values(balance_fen=StoredValueAccount.balance_fen + amount_fen)
            .returning(StoredValueAccount.balance_fen)
        )
        return result.scalar_one_or_none()

    async def entries(self, account_id: uuid.UUID) -> Sequence[AccountEntry]:
        statement = (
            select(AccountEntry)
            .where(AccountEntry.account_id == account_id)
            .order_by(AccountEntry.created_at.desc(), AccountEntry.id)
            .limit(200)
        )
        return (await self.session.scalars(statement)).all()

    async def ledger_sum(self, account_id: uuid.UUID) -> int:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(AccountEntry.amount_fen), 0)).where(
                AccountEntry.account_id == account_id
            )
        )
        return int(total or 0)

    async def order(self, order_id: uuid.UUID, *, for_update: bool = False) -> MealOrder | None:
        statement = select(MealOrder).where(MealOrder.id == order_id)
        if for_update:
            # Fresh from the row once locked, not what the session read before the lock.
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).one_or_none()

    async def lines(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[MealOrderLine]]:
        statement = (
            select(MealOrderLine)
            .where(MealOrderLine.order_id.in_(order_ids))
            .order_by(MealOrderLine.dish_id)
        )
        found: dict[uuid.UUID, list[MealOrderLine]] = {i: [] for i in order_ids}
        for line in await self.session.scalars(statement):
            found[line.order_id].append(line)
        return found

    async def orders_of(
        self, resident_id: uuid.UUID, *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[MealOrder]:
        """The resident's orders, newest first, one page (and one row more)."""
        statement = ORDERS.paginate(
            select(MealOrder).where(MealOrder.resident_id == resident_id), after=after, limit=limit
        )
        return (await self.session.scalars(statement)).all()

    async def kitchen(self, site_id: uuid.UUID, business_date: date) -> Sequence[Any]:
        """Portions ordered per dish, summed from the live orders' lines (not the counter)."""
        ordered = (
            select(MealOrderLine.dish_id, func.sum(MealOrderLine.quantity).label("quantity"))
            .join(MealOrder, MealOrder.id == MealOrderLine.order_id)
            .where(
                MealOrder.site_id == site_id,
                MealOrder.business_date == business_date,
                MealOrder.status == MealOrderStatus.PLACED,
            )
            .group_by(MealOrderLine.dish_id)
            .subquery()
        )
        statement = (
            select(
                Dish.id,
                Menu.meal,
                Dish.name,
                Dish.portions,
                func.coalesce(ordered.c.quantity, 0).label("ordered"),
            )
            .join(Menu, Menu.id == Dish.menu_id)
            .outerjoin(ordered, ordered.c.dish_id == Dish.id)
            .where(Menu.site_id == site_id, Menu.business_date == business_date)
            .order_by(Menu.meal, Dish.name, Dish.id)
        )
        return list((await self.session.execute(statement)).all())

    async def totals(self, site_id: uuid.UUID, business_date: date) -> tuple[int, int, int, int]:
        """Live orders of the day: count, takings, subsidy and cost, in fen."""
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(MealOrder.price_fen), 0),
                    func.coalesce(func.sum(MealOrder.subsidy_fen), 0),
                    func.coalesce(func.sum(MealOrder.cost_fen), 0),
                ).where(
                    MealOrder.site_id == site_id,
                    MealOrder.business_date == business_date,
                    MealOrder.status == MealOrderStatus.PLACED,
                )
            )
        ).one()
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    async def day(self, site_id: uuid.UUID, business_date: date) -> CanteenDay | None:
        return await self.session.get(CanteenDay, (site_id, business_date))
