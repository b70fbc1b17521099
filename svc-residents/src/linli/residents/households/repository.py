"""Queries on households and residents."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.conflicts import insert_or_conflict
from linli.common.models import new_id
from linli.common.pagination import Keyset, within_division
from linli.residents.models import Building, Dwelling, Household, RelationToHead, Resident, Unit

# One live household per dwelling, one live record per person (partial unique indexes).
LIVE_DWELLING = "uq_households_live_dwelling"
LIVE_ID_NUMBER = "uq_residents_id_number_index"
# Lists of households and residents run in (community, id) order: a division is one index range.
HOUSEHOLD_ORDER = Keyset(Household.community_code, Household.id)
RESIDENT_ORDER = Keyset(Resident.community_code, Resident.id)

Address = tuple[str, str, str, str]  # community code, building, unit, room


class HouseholdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, household_id: uuid.UUID, *, for_update: bool = False) -> Household | None:
        """A live household (deleted ones read as absent)."""
        statement = select(Household).where(
            Household.id == household_id, Household.deleted_at.is_(None)
        )
        if for_update:
            statement = statement.with_for_update(of=Household).execution_options(
                populate_existing=True
            )
        return (await self.session.scalars(statement)).first()

    async def lock(self, household_id: uuid.UUID) -> None:
        """Hold the household's row until commit, to serialise a rule over its members.

        FOR NO KEY UPDATE, not FOR UPDATE: a member's insert holds FOR KEY SHARE on the household
        (its foreign key), which FOR UPDATE would wait on, deadlocking two such inserts.
        """
        await self.session.execute(
            select(Household.id).where(Household.id == household_id).with_for_update(key_share=True)
        )

    async def get_or_create(self, dwelling: Dwelling) -> tuple[Household, bool]:
        """The live household of this dwelling, founded if there is none (True when founded).
        Two transactions founding the same one meet on the partial unique index: the second
        waits, then finds the first's row."""
        household_id = new_id()
        founded = await self.session.scalar(
            insert(Household)
            .values(
                id=household_id,
                community_code=dwelling.community_code,
                dwelling_id=dwelling.id,
                grid_id=dwelling.unit.building.grid_id,
            )
            .on_conflict_do_nothing(
                index_elements=[Household.dwelling_id],
                index_where=Household.deleted_at.is_(None),
            )
            .returning(Household.id)
        )
        household = (
            await self.session.scalars(
                select(Household)
                .where(Household.dwelling_id == dwelling.id, Household.deleted_at.is_(None))
                .execution_options(populate_existing=True)
            )
        ).first()
        assert household is not None  # inserted above, or already there
        return household, founded is not None

    async def add(self, household: Household) -> bool:
        """Insert `household`; False when its dwelling already has a live household."""
        conflict = await insert_or_conflict(self.session, household, on=[LIVE_DWELLING])
        return conflict is None

    async def list(
        self,
        *,
        division_prefix: str,
        where: Sequence[ColumnElement[bool]],
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Household]:
        """A page (and one row more) of live households in `HOUSEHOLD_ORDER`."""
        statement = select(Household).where(
            within_division(Household.community_code, division_prefix),
            Household.deleted_at.is_(None),
            *where,
        )
        statement = HOUSEHOLD_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def live_members(self, household_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(Resident)
                .where(Resident.household_id == household_id, Resident.deleted_at.is_(None))
            )
            or 0
        )


class ResidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, resident: Resident) -> bool:
        """Insert `resident`; False (and nothing added) when the person is already registered,
        including by a transaction that committed the same person a moment ago."""
        conflict = await insert_or_conflict(self.session, resident, on=[LIVE_ID_NUMBER])
        return conflict is None

    async def registered(self, indexes: Sequence[str]) -> set[str]:
        """Which of these ID-number blind indexes belong to a live resident."""
        if not indexes:
            return set()
        return set(
            await self.session.scalars(
                select(Resident.id_number_index).where(
                    Resident.id_number_index.in_(indexes), Resident.deleted_at.is_(None)
                )
            )
        )

    async def head_of(
        self, household_id: uuid.UUID, *, besides: uuid.UUID | None = None
    ) -> uuid.UUID | None:
        """The live head of the household (other than `besides`), if it has one."""
        statement = select(Resident.id).where(
            Resident.household_id == household_id,
            Resident.relation_to_head == RelationToHead.HEAD,
            Resident.deleted_at.is_(None),
        )
        if besides is not None:
            statement = statement.where(Resident.id != besides)
        return (await self.session.scalars(statement.limit(1))).first()

    async def heads_at(self, addresses: Collection[Address]) -> set[Address]:
        """Which of these addresses (community, building, unit, room) have a live household
        with a head already."""
        if not addresses:
            return set()
        place = tuple_(Building.community_code, Building.name, Unit.name, Dwelling.name)
        statement = (
            select(Building.community_code, Building.name, Unit.name, Dwelling.name)
            .join(Unit, Unit.building_id == Building.id)
            .join(Dwelling, Dwelling.unit_id == Unit.id)
            .join(Household, Household.dwelling_id == Dwelling.id)
            .join(Resident, Resident.household_id == Household.id)
            .where(
                place.in_(list(addresses)),
                Household.deleted_at.is_(None),
                Resident.deleted_at.is_(None),
                Resident.relation_to_head == RelationToHead.HEAD,
            )
            .distinct()
        )
        return {(c, b, u, r) for c, b, u, r in (await self.session.execute(statement)).all()}

    async def get(self, resident_id: uuid.UUID, *, for_update: bool = False) -> Resident | None:
        """A live resident (deleted ones read as absent)."""
        statement = select(Resident).where(
            Resident.id == resident_id, Resident.deleted_at.is_(None)
        )
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).first()

    async def of_account(self, subject: str) -> Resident | None:
        """The live record a mini-program account registered for itself (its first, if it
        registered family members too: those are found through the household)."""
        return (
            await self.session.scalars(
                select(Resident)
                .where(Resident.account_subject == subject, Resident.deleted_at.is_(None))
                .order_by(Resident.created_at, Resident.id)
                .limit(1)
            )
        ).first()

    async def members(
        self, household_id: uuid.UUID, *, for_update: bool = False
    ) -> Sequence[Resident]:
        """Live members, oldest record first; `for_update` locks them (a whole household moves)."""
        statement = (
            select(Resident)
            .where(Resident.household_id == household_id, Resident.deleted_at.is_(None))
            .order_by(Resident.created_at, Resident.id)
        )
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).all()

    def search(
        self,
        *,
        division_prefix: str,
        where: Sequence[ColumnElement[bool]],
    ) -> Select[Resident]:
        return select(Resident).where(
            within_division(Resident.community_code, division_prefix),
            Resident.deleted_at.is_(None),
            *where,
        )

    async def list(
        self,
        *,
        division_prefix: str,
        where: Sequence[ColumnElement[bool]],
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Resident]:
        """A page (and one row more) of live residents in `RESIDENT_ORDER`."""
        statement = self.search(division_prefix=division_prefix, where=where)
        statement = RESIDENT_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()


def born_between(earliest: date | None, latest: date | None) -> list[ColumnElement[bool]]:
    """Birth-date bounds (inclusive) as conditions: how age bands and derived tags query."""
    conditions: list[ColumnElement[bool]] = []
    if earliest is not None:
        conditions.append(Resident.birth_date >= earliest)
    if latest is not None:
        conditions.append(Resident.birth_date <= latest)
    return conditions
