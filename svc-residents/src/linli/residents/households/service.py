"""Business rules of the registry: one household per address, one record per person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.residents.households.errors import ResidentAlreadyRegistered
from linli.residents.households.repository import HouseholdRepository, ResidentRepository
from linli.residents.models import Household, RelationToHead, Resident, Sex
from linli.residents.protected import ProtectedValue


@dataclass(frozen=True, slots=True)
class NewResident:
    """A person about to enter the registry, with ID number and phone already protected."""

    community_code: str
    building: str
    unit: str
    room: str
    name: str
    sex: Sex
    birth_date: date
    id_number: ProtectedValue
    phone: ProtectedValue | None
    relation_to_head: RelationToHead
    consented_at: datetime | None
    account_subject: str | None


async def settle(session: AsyncSession, *, person: NewResident) -> tuple[Household, Resident]:
    """Join (or found) the household at the person's address and add the person to it."""
    household = await HouseholdRepository(session).get_or_create(
        community_code=person.community_code,
        building=person.building,
        unit=person.unit,
        room=person.room,
    )
    resident = Resident(
        household_id=household.id,
        community_code=household.community_code,
        grid_id=household.grid_id,
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        id_number_cipher=person.id_number.cipher,
        id_number_index=person.id_number.index,
        id_number_masked=person.id_number.masked,
        phone_cipher=person.phone.cipher if person.phone else None,
        phone_index=person.phone.index if person.phone else None,
        phone_masked=person.phone.masked if person.phone else None,
        relation_to_head=person.relation_to_head,
        tags=[],
        consented_at=person.consented_at,
        account_subject=person.account_subject,
    )
    if not await ResidentRepository(session).add(resident):
        raise ResidentAlreadyRegistered("a resident with this ID number is already registered")
    return household, resident
