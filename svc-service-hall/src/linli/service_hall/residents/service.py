"""Rules of the residents read model: each registry event applied once, in event-time order, and
who qualifies for a home visit (上门办)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.service_hall import calendar
from linli.service_hall.models import ResidentCopy
from linli.service_hall.residents.repository import ResidentCopies
from linli.service_hall.residents.schemas import (
    HouseholdCreated,
    HouseholdDeleted,
    HouseholdEvent,
    HouseholdMoved,
    ResidentApproved,
    ResidentCreated,
    ResidentDeleted,
    ResidentEvent,
    ResidentMoved,
    ResidentTagged,
    ResidentUpdated,
)

# Stored tags that make a resident eligible for a home visit; `elderly` (60+) is derived here from
# the birth year, as the registry derives it, never stored.
HOME_VISIT_TAGS = ("mobility_impaired", "disabled")
ELDERLY_AGE = 60


async def apply_resident_event(
    session: AsyncSession, *, change: ResidentEvent, at: datetime
) -> None:
    copies = ResidentCopies(session)
    match change:
        case ResidentApproved():
            await copies.apply_household(
                household_id=change.household_id,
                at=at,
                community_code=change.community_code,
                address=change.household_address,
            )
            values: dict[str, object] = {
                "household_id": change.household_id,
                "community_code": change.community_code,
                "name_masked": change.name_masked,
            }
            # An older approval without the year leaves whatever year the copy has.
            if change.birth_year is not None:
                values["birth_year"] = change.birth_year
            await copies.apply(
                resident_id=change.resident_id,
                at=at,
                community_code=change.community_code,
                values=values,
                arrives=True,
            )
        case ResidentCreated():
            await copies.apply(
                resident_id=change.resident_id,
                at=at,
                community_code=change.community_code,
                values={
                    "household_id": change.household_id,
                    "community_code": change.community_code,
                    "name_masked": change.name_masked,
                    "tags": sorted(set(change.tags)),
                    "birth_year": change.birth_year,
                },
                arrives=True,
            )
        case ResidentUpdated():
            await copies.apply(
                resident_id=change.resident_id,
                at=at,
                community_code=change.community_code,
                values={"name_masked": change.name_masked},
            )
        case ResidentTagged():
            await copies.apply(
                resident_id=change.resident_id,
                at=at,
                community_code=change.community_code,
                values={"tags": sorted(set(change.tags))},
            )
        case ResidentDeleted():
            await copies.apply(
                resident_id=change.resident_id,
                at=at,
                community_code=change.community_code,
                values={},
                leaves=True,
                deleted=True,
            )
        case ResidentMoved():
            if change.to_household_id is None:
                await copies.apply(
                    resident_id=change.resident_id,
                    at=at,
                    community_code=change.community_code,
                    values={},
                    leaves=True,
                )
                return
            community = change.to_community_code or change.community_code
            await copies.apply(
                resident_id=change.resident_id,
                at=at,
                community_code=community,
                values={
                    "household_id": change.to_household_id,
                    "community_code": community,
                    "name_masked": change.name_masked,
                },
                arrives=True,
            )


async def apply_household_event(
    session: AsyncSession, *, change: HouseholdEvent, at: datetime
) -> None:
    copies = ResidentCopies(session)
    match change:
        case HouseholdCreated():
            await copies.apply_household(
                household_id=change.household_id,
                at=at,
                community_code=change.community_code,
                address=change.household_address,
            )
        case HouseholdMoved():
            await copies.apply_household(
                household_id=change.household_id,
                at=at,
                community_code=change.to_community_code,
                address=change.household_address,
            )
        case HouseholdDeleted():
            await copies.apply_household(
                household_id=change.household_id,
                at=at,
                community_code=change.community_code,
                address=None,
                deleted=True,
            )


@dataclass(frozen=True, slots=True)
class KnownResident:
    """What the hall knows of a resident: where they live and why they may need a home visit."""

    resident_id: uuid.UUID
    community_code: str
    name_masked: str
    address: str
    tags: tuple[str, ...]
    home_visit_reason: str | None
    # The registry sends the year only: the canteen's age bands (60+, 80+) count by it.
    birth_year: int | None = None


def home_visit_reason(resident: ResidentCopy, *, on: date | None = None) -> str | None:
    """The tag that qualifies the resident for a home visit, or None. `elderly` counts by birth
    year (the registry sends the year only): 60 or more in the year of `on`."""
    for tag in HOME_VISIT_TAGS:
        if tag in resident.tags:
            return tag
    year = (on or calendar.today()).year
    if resident.birth_year is not None and year - resident.birth_year >= ELDERLY_AGE:
        return "elderly"
    return None


async def known_resident(session: AsyncSession, resident_id: uuid.UUID) -> KnownResident | None:
    """The resident as the read model holds them, with their household's address; None when the
    hall has not heard of them (or they left)."""
    copies = ResidentCopies(session)
    resident = await copies.get(resident_id)
    if resident is None:
        return None
    household = await copies.household(resident.household_id) if resident.household_id else None
    return KnownResident(
        resident_id=resident.resident_id,
        community_code=resident.community_code,
        name_masked=resident.name_masked,
        address=household.address if household is not None else "",
        tags=tuple(resident.tags),
        home_visit_reason=home_visit_reason(resident),
        birth_year=resident.birth_year,
    )
