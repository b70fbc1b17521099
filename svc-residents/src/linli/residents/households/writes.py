"""The write paths of the registry: founding a household, adding, changing and deleting a
resident or household, and what each must change in the same transaction.

Every write of households and residents goes through these functions, so that whatever must
change with it (events, per-community counters) is done here. A writer that bypasses them (a bulk
import) must stage the same counter deltas or recount the communities it touched
(`linli.residents.stats.service`). Callers check who may write (`linli.residents.access`) first.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import write_or_conflict
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pii import PiiCipher, PiiField
from linli.residents.access import imported_community
from linli.residents.households.errors import (
    HouseholdHasHead,
    HouseholdNotEmpty,
    HouseholdNotFound,
    ResidentAlreadyRegistered,
)
from linli.residents.households.events import (
    HouseholdCreated,
    HouseholdDeleted,
    HouseholdUpdated,
    ResidentCreated,
    ResidentDeleted,
    ResidentTagged,
    ResidentUpdated,
)
from linli.residents.households.repository import (
    LIVE_ID_NUMBER,
    HouseholdRepository,
    ResidentRepository,
)
from linli.residents.households.schemas import Deletion, ResidentCreate
from linli.residents.identity import mask_name, parse_id_number
from linli.residents.models import (
    Dwelling,
    Grid,
    Household,
    RelationToHead,
    Resident,
    Sex,
    StoredTag,
)
from linli.residents.places.errors import PlaceNotFound, PlaceOutsideCommunity
from linli.residents.places.repository import PlaceRepository
from linli.residents.places.schemas import Address
from linli.residents.places.service import dwelling_at_address
from linli.residents.protected import ProtectedValue, protect
from linli.residents.stats.service import counters


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


async def household_at(session: AsyncSession, dwelling: Dwelling) -> Household:
    """*Write path*: the live household of a dwelling, founded (and published) if there is none."""
    household, founded = await HouseholdRepository(session).get_or_create(dwelling)
    if founded:
        await household_founded(session, household)
    return household


async def household_founded(session: AsyncSession, household: Household) -> None:
    counters(session).household(household.community_code)
    await events_of(session).record(
        HouseholdCreated(
            community_code=household.community_code,
            household_id=household.id,
            dwelling_id=household.dwelling_id,
            household_address=household.address,
            grid_id=household.grid_id,
        ),
        subject_id=household.id,
    )


async def ensure_one_head(
    session: AsyncSession, resident: Resident, *, household_id: uuid.UUID | None = None
) -> None:
    """*Write path* rule: a household (`household_id`, default the resident's own) has at most
    one head (户主): a second one is a 409, never a silent second head (the first one's
    relation changes first)."""
    if resident.relation_to_head is not RelationToHead.HEAD:
        return
    household = household_id or resident.household_id
    # The household's row lock makes "no other head" hold until commit: two people made head
    # at once are checked one after the other, the second seeing the first.
    await HouseholdRepository(session).lock(household)
    if await ResidentRepository(session).head_of(household, besides=resident.id):
        raise HouseholdHasHead()


async def add_resident(session: AsyncSession, resident: Resident) -> Resident:
    """*Write path*: a person enters the registry (by a worker, or an approved registration)."""
    if not await ResidentRepository(session).add(resident):
        raise ResidentAlreadyRegistered("a resident with this ID number is already registered")
    # After the insert, so that the same person twice is told so first (the request rolls back).
    await ensure_one_head(session, resident)
    counters(session).resident(
        resident.community_code, birth_date=resident.birth_date, tags=resident.tags
    )
    return resident


async def settle(session: AsyncSession, *, person: NewResident) -> tuple[Household, Resident]:
    """Join (or found) the household at the person's address and add the person to it; the
    address's building, unit and dwelling are created when missing."""
    dwelling = await dwelling_at_address(
        session,
        community_code=person.community_code,
        building=person.building,
        unit=person.unit,
        room=person.room,
    )
    household = await household_at(session, dwelling)
    resident = Resident(
        id=new_id(),
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
    return household, await add_resident(session, resident)


async def apply_resident_changes(
    session: AsyncSession,
    *,
    resident: Resident,
    changes: Mapping[str, Any],
    cipher: PiiCipher,
    actor: Principal,
) -> list[str]:
    """*Write path*: change a resident's fields (a worker's edit, or an approved change request)
    and publish what changed. `changes` holds ResidentUpdate fields, clear values included."""
    old_tags = list(resident.tags)
    old_birth_date = resident.birth_date
    # Set inside the write: a new ID number that is another live record's is refused there.
    async with write_or_conflict(session, on=[LIVE_ID_NUMBER]) as write:
        changed = _set_fields(resident, changes, cipher=cipher)
    if write.conflict:
        raise ResidentAlreadyRegistered("another resident has this ID number")
    tags_changed = sorted(resident.tags) != sorted(old_tags)
    if not changed and not tags_changed:
        return []
    if "relation_to_head" in changed:
        await ensure_one_head(session, resident)
    if tags_changed or resident.birth_date != old_birth_date:
        staged = counters(session)
        staged.resident(resident.community_code, birth_date=old_birth_date, tags=old_tags, delta=-1)
        staged.resident(resident.community_code, birth_date=resident.birth_date, tags=resident.tags)
    if changed:
        await events_of(session).record(
            ResidentUpdated(
                community_code=resident.community_code,
                resident_id=resident.id,
                household_id=resident.household_id,
                changed=sorted(changed),
                name_masked=mask_name(resident.name),
            ),
            subject_id=resident.id,
        )
    if tags_changed:
        await events_of(session).record(
            ResidentTagged(
                community_code=resident.community_code,
                resident_id=resident.id,
                household_id=resident.household_id,
                added=sorted(set(resident.tags) - set(old_tags)),
                removed=sorted(set(old_tags) - set(resident.tags)),
                tags=sorted(resident.tags),
            ),
            subject_id=resident.id,
        )
        changed.append("tags")
    return sorted(changed)


def _set_fields(resident: Resident, changes: Mapping[str, Any], *, cipher: PiiCipher) -> list[str]:
    """Set a resident's changed fields; the names of those that changed (tags aside)."""
    changed: list[str] = []
    for field, value in changes.items():
        match field:
            case "id_number":
                index = cipher.blind_index(PiiField.ID_NUMBER, value)
                if index == resident.id_number_index:
                    continue
                stored = protect(cipher, PiiField.ID_NUMBER, value)
                facts = parse_id_number(value)
                resident.id_number_cipher = stored.cipher
                resident.id_number_index = stored.index
                resident.id_number_masked = stored.masked
                for derived, new in (("sex", facts.sex), ("birth_date", facts.birth_date)):
                    if getattr(resident, derived) != new:
                        setattr(resident, derived, new)
                        changed.append(derived)
                changed.append("id_number")
            case "phone":
                if value is None:
                    if resident.phone_index is None:
                        continue
                    resident.phone_cipher = resident.phone_index = resident.phone_masked = None
                else:
                    if cipher.blind_index(PiiField.PHONE, value) == resident.phone_index:
                        continue
                    stored = protect(cipher, PiiField.PHONE, value)
                    resident.phone_cipher = stored.cipher
                    resident.phone_index = stored.index
                    resident.phone_masked = stored.masked
                changed.append("phone")
            case "tags":
                tags = sorted({StoredTag(tag).value for tag in value})
                if tags != sorted(resident.tags):
                    resident.tags = tags
            case "consent":
                if bool(value) != (resident.consented_at is not None):
                    resident.consented_at = datetime.now(UTC) if value else None
                    changed.append("consent")
            case _:
                if getattr(resident, field) != value:
                    setattr(resident, field, value)
                    changed.append(field)
    return changed


async def remove_resident(
    session: AsyncSession, *, resident: Resident, deletion: Deletion, actor: Principal
) -> None:
    """*Write path*: a resident leaves the registry; the row stays, out of every list."""
    resident.deleted_at = datetime.now(UTC)
    resident.deleted_by = actor.subject
    resident.deletion_reason = deletion.reason
    resident.deletion_note = deletion.note
    await session.flush()
    counters(session).resident(
        resident.community_code, birth_date=resident.birth_date, tags=resident.tags, delta=-1
    )
    await events_of(session).record(
        ResidentDeleted(
            community_code=resident.community_code,
            resident_id=resident.id,
            household_id=resident.household_id,
            reason=deletion.reason,
        ),
        subject_id=resident.id,
    )


async def set_household_grid(
    session: AsyncSession, *, household: Household, grid_id: uuid.UUID | None
) -> None:
    """*Write path*: assign the household (and its residents) to a grid of its community."""
    await grid_of_community(session, grid_id, household.community_code)
    household.grid_id = grid_id
    for member in await ResidentRepository(session).members(household.id):
        member.grid_id = household.grid_id
    await session.flush()
    await events_of(session).record(
        HouseholdUpdated(
            community_code=household.community_code,
            household_id=household.id,
            grid_id=household.grid_id,
            changed=["grid_id"],
        ),
        subject_id=household.id,
    )


async def remove_household(
    session: AsyncSession, *, household: Household, deletion: Deletion, actor: Principal
) -> None:
    """*Write path*: an empty household leaves the registry; its dwelling is free again."""
    if await HouseholdRepository(session).live_members(household.id):
        raise HouseholdNotEmpty("delete or move the household's residents first")
    household.deleted_at = datetime.now(UTC)
    household.deleted_by = actor.subject
    household.deletion_reason = deletion.reason
    household.deletion_note = deletion.note
    await session.flush()
    counters(session).household(household.community_code, delta=-1)
    await events_of(session).record(
        HouseholdDeleted(
            community_code=household.community_code,
            household_id=household.id,
            reason=deletion.reason,
        ),
        subject_id=household.id,
    )


async def enter_resident(
    session: AsyncSession, *, household: Household, cipher: PiiCipher, resident_in: ResidentCreate
) -> Resident:
    """*Write path*: a new record for a person entered by a worker (or moving in), published."""
    facts = parse_id_number(resident_in.id_number)
    id_number = protect(cipher, PiiField.ID_NUMBER, resident_in.id_number)
    phone = protect(cipher, PiiField.PHONE, resident_in.phone) if resident_in.phone else None
    resident = await add_resident(
        session,
        Resident(
            id=new_id(),
            household_id=household.id,
            community_code=household.community_code,
            grid_id=household.grid_id,
            name=resident_in.name,
            sex=facts.sex,
            birth_date=facts.birth_date,
            id_number_cipher=id_number.cipher,
            id_number_index=id_number.index,
            id_number_masked=id_number.masked,
            phone_cipher=phone.cipher if phone else None,
            phone_index=phone.index if phone else None,
            phone_masked=phone.masked if phone else None,
            relation_to_head=resident_in.relation_to_head,
            tags=[tag.value for tag in resident_in.tags],
            consented_at=datetime.now(UTC) if resident_in.consent else None,
            created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
        ),
    )
    await events_of(session).record(
        ResidentCreated(
            community_code=resident.community_code,
            resident_id=resident.id,
            household_id=resident.household_id,
            grid_id=resident.grid_id,
            name_masked=mask_name(resident.name),
            sex=resident.sex,
            birth_year=resident.birth_date.year,
            tags=list(resident.tags),
        ),
        subject_id=resident.id,
    )
    return resident


async def grid_of_community(
    session: AsyncSession, grid_id: uuid.UUID | None, community_code: str
) -> None:
    if grid_id is None:
        return
    grid = await PlaceRepository(session).get(Grid, grid_id)
    if grid is None or grid.community_code != community_code:
        raise PlaceOutsideCommunity("grid_id", community_code)


async def dwelling_for(
    session: AsyncSession,
    principal: Principal,
    *,
    dwelling_id: uuid.UUID | None,
    community_code: str | None,
    building: str | None,
    unit: str | None,
    room: str | None,
) -> Dwelling:
    """The dwelling named by id (404 outside the scope) or by address (403 outside the scope)."""
    places = PlaceRepository(session)
    if dwelling_id is not None:
        dwelling = await places.get(Dwelling, dwelling_id)
        if dwelling is None or not principal.covers(dwelling.community_code):
            raise PlaceNotFound()
        return dwelling
    assert community_code is not None and building and unit and room
    principal.require_scope(community_code)
    await imported_community(session, community_code)
    return await dwelling_at_address(
        session, community_code=community_code, building=building, unit=unit, room=room
    )


async def destination_household(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID | None,
    community_code: str | None,
    address: Address | None,
) -> Household:
    """The household a person joins: named by id (404 outside the scope), or the household at an
    address (403 outside the scope), founded when the dwelling has none."""
    if household_id is not None:
        household = await HouseholdRepository(session).get(household_id)
        if household is None or not principal.covers(household.community_code):
            raise HouseholdNotFound()
        return household
    assert address is not None
    dwelling = await dwelling_for(
        session,
        principal,
        dwelling_id=None,
        community_code=community_code,
        building=address.building,
        unit=address.unit,
        room=address.room,
    )
    return await household_at(session, dwelling)
