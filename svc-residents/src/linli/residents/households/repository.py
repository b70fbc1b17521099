"""Queries on households and residents."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.residents.models import Household, Resident


class HouseholdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(
        self, *, community_code: str, building: str, unit: str, room: str
    ) -> Household:
        """The household at this address, created if there is none. Two transactions creating the
        same one meet on the unique address: the second waits, then finds the first's row."""
        address = {
            "community_code": community_code,
            "building": building,
            "unit": unit,
            "room": room,
        }
        await self.session.execute(
            insert(Household)
            .values(id=uuid.uuid4(), **address)
            .on_conflict_do_nothing(constraint="uq_households_address")
        )
        household = await self.session.scalar(
            select(Household).filter_by(**address).execution_options(populate_existing=True)
        )
        assert household is not None  # inserted above, or already there
        return household


class ResidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, resident: Resident) -> bool:
        """Insert `resident`; False (and nothing added) when the person is already registered,
        including by a transaction that committed the same person a moment ago."""
        try:
            async with self.session.begin_nested():
                self.session.add(resident)
        except IntegrityError as exc:
            if "uq_residents_id_number_index" not in str(exc.orig):
                raise
            return False
        return True
