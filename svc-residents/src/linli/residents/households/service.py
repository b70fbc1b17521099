"""Business rules of the registry: one live household per dwelling, one live record per person,
who sees and changes which record, and what every change publishes.

Every write of households and residents goes through the functions marked *write path* below
(founding a household, adding, changing and deleting a resident or household), so that whatever
must change in the same transaction (events, per-community counters) is done there. A writer that
bypasses them (a bulk import) must stage the same counter deltas or recount the communities it
touched (`linli.residents.stats.service`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.divisions import Level
from linli.common.errors import Forbidden, InvalidInput
from linli.common.outbox import record_event
from linli.common.pii import PiiCipher, PiiField, audit_clear_read
from linli.residents.ages import (
    BAND_AGES,
    TAG_AGES,
    AgeBand,
    DerivedTag,
    birth_range,
    today_in_shanghai,
)
from linli.residents.divisions.repository import DivisionRepository
from linli.residents.events import EVENT_SOURCE
from linli.residents.households.errors import (
    DwellingOccupied,
    HouseholdNotEmpty,
    HouseholdNotFound,
    PurposeRequired,
    ResidentAlreadyRegistered,
    ResidentNotFound,
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
    HouseholdRepository,
    ResidentRepository,
    born_between,
)
from linli.residents.households.schemas import (
    Deletion,
    HouseholdCreate,
    HouseholdRead,
    HouseholdUpdate,
    ResidentCreate,
    ResidentRead,
    ResidentUpdate,
)
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
from linli.residents.models.base import new_id
from linli.residents.pagination import Page, community_page, decode_community_cursor
from linli.residents.places.errors import PlaceNotFound, PlaceOutsideCommunity
from linli.residents.places.repository import PlaceRepository
from linli.residents.places.service import Viewer, dwelling_at_address, viewer
from linli.residents.protected import ProtectedValue, protect
from linli.residents.registrations.errors import UnknownCommunity
from linli.residents.registrations.schemas import Address
from linli.residents.stats.service import counters

# Who changes the registry: the community's own workers (admins above read it).
WRITE_ROLES = (Role.COMMUNITY_WORKER,)
# Only the community's own workers need the clear ID number and phone.
REVEAL_ROLES = (Role.COMMUNITY_WORKER,)


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


async def _record(session: AsyncSession, event: Any, subject_id: uuid.UUID) -> None:
    await record_event(session, event, source=EVENT_SOURCE, subject_id=str(subject_id))


# --- write paths ---------------------------------------------------------------------------------


async def household_at(session: AsyncSession, dwelling: Dwelling) -> Household:
    """*Write path*: the live household of a dwelling, founded (and published) if there is none."""
    household, founded = await HouseholdRepository(session).get_or_create(dwelling)
    if founded:
        await _household_founded(session, household)
    return household


async def _household_founded(session: AsyncSession, household: Household) -> None:
    counters(session).household(household.community_code)
    await _record(
        session,
        HouseholdCreated(
            community_code=household.community_code,
            household_id=household.id,
            dwelling_id=household.dwelling_id,
            household_address=household.address,
            grid_id=household.grid_id,
        ),
        household.id,
    )


async def _add_resident(session: AsyncSession, resident: Resident) -> Resident:
    """*Write path*: a person enters the registry (by a worker, or an approved registration)."""
    if not await ResidentRepository(session).add(resident):
        raise ResidentAlreadyRegistered("a resident with this ID number is already registered")
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
    return household, await _add_resident(session, resident)


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
    changed: list[str] = []
    old_tags = list(resident.tags)
    old_birth_date = resident.birth_date
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
    tags_changed = sorted(resident.tags) != sorted(old_tags)
    if not changed and not tags_changed:
        return []
    if not await ResidentRepository(session).save():
        raise ResidentAlreadyRegistered("another resident has this ID number")
    if tags_changed or resident.birth_date != old_birth_date:
        staged = counters(session)
        staged.resident(resident.community_code, birth_date=old_birth_date, tags=old_tags, delta=-1)
        staged.resident(resident.community_code, birth_date=resident.birth_date, tags=resident.tags)
    if changed:
        await _record(
            session,
            ResidentUpdated(
                community_code=resident.community_code,
                resident_id=resident.id,
                household_id=resident.household_id,
                changed=sorted(changed),
                name_masked=mask_name(resident.name),
            ),
            resident.id,
        )
    if tags_changed:
        await _record(
            session,
            ResidentTagged(
                community_code=resident.community_code,
                resident_id=resident.id,
                household_id=resident.household_id,
                added=sorted(set(resident.tags) - set(old_tags)),
                removed=sorted(set(old_tags) - set(resident.tags)),
                tags=sorted(resident.tags),
            ),
            resident.id,
        )
        changed.append("tags")
    return sorted(changed)


async def _delete_resident(
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
    await _record(
        session,
        ResidentDeleted(
            community_code=resident.community_code,
            resident_id=resident.id,
            household_id=resident.household_id,
            reason=deletion.reason,
        ),
        resident.id,
    )


# --- who may see and change what -----------------------------------------------------------------


def _own(principal: Principal, resident: Resident) -> bool:
    """A resident's own record, or one their account registered (a member of their household)."""
    return principal.has_role(Role.RESIDENT) and (
        principal.resident_id == str(resident.id) or resident.account_subject == principal.subject
    )


def _sees(reader: Viewer, community_code: str, grid_id: uuid.UUID | None) -> bool:
    if not reader.principal.covers(community_code):
        return False
    return reader.grids is None or grid_id in reader.grids


async def _staff_reader(session: AsyncSession, principal: Principal) -> Viewer | None:
    """The staff reader, None for a resident (who sees only their own), 403 for other roles."""
    if principal.has_role(*STAFF_READ_ROLES):
        return await viewer(session, principal)
    if principal.has_role(Role.RESIDENT):
        return None
    raise Forbidden("this operation needs a staff role of the registry, or a resident's own record")


STAFF_READ_ROLES = (
    Role.COMMUNITY_WORKER,
    Role.STREET_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.CITY_ADMIN,
    Role.GRID_WORKER,
)


async def _readable_resident(
    session: AsyncSession, principal: Principal, resident_id: uuid.UUID
) -> Resident:
    reader = await _staff_reader(session, principal)
    resident = await ResidentRepository(session).get(resident_id)
    if resident is None:
        raise ResidentNotFound()
    if _own(principal, resident):
        return resident
    if reader is None or not _sees(reader, resident.community_code, resident.grid_id):
        raise ResidentNotFound()
    return resident


async def _writable_resident(
    session: AsyncSession, principal: Principal, resident_id: uuid.UUID
) -> Resident:
    principal.require_role(*WRITE_ROLES)
    resident = await ResidentRepository(session).get(resident_id, for_update=True)
    if resident is None or not principal.covers(resident.community_code):
        raise ResidentNotFound()
    return resident


async def _readable_household(
    session: AsyncSession, principal: Principal, household_id: uuid.UUID
) -> Household:
    reader = await _staff_reader(session, principal)
    household = await HouseholdRepository(session).get(household_id)
    if household is None:
        raise HouseholdNotFound()
    if reader is None:
        # A resident sees the household they live in.
        mine = await ResidentRepository(session).members(household.id)
        if not any(_own(principal, member) for member in mine):
            raise HouseholdNotFound()
        return household
    if not _sees(reader, household.community_code, household.grid_id):
        raise HouseholdNotFound()
    return household


async def _writable_household(
    session: AsyncSession, principal: Principal, household_id: uuid.UUID
) -> Household:
    principal.require_role(*WRITE_ROLES)
    household = await HouseholdRepository(session).get(household_id, for_update=True)
    if household is None or not principal.covers(household.community_code):
        raise HouseholdNotFound()
    return household


async def _grid_of_community(
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
    division = await DivisionRepository(session).get(community_code)
    if division is None or division.level is not Level.COMMUNITY:
        raise UnknownCommunity(community_code)
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


# --- households ----------------------------------------------------------------------------------


async def create_household(
    session: AsyncSession, *, principal: Principal, household_in: HouseholdCreate
) -> Household:
    """Found a household in an empty dwelling (409 when the dwelling has one)."""
    principal.require_role(*WRITE_ROLES)
    address = household_in.address
    dwelling = await dwelling_for(
        session,
        principal,
        dwelling_id=household_in.dwelling_id,
        community_code=household_in.community_code,
        building=address.building if address else None,
        unit=address.unit if address else None,
        room=address.room if address else None,
    )
    await _grid_of_community(session, household_in.grid_id, dwelling.community_code)
    household = Household(
        id=new_id(),
        community_code=dwelling.community_code,
        dwelling=dwelling,
        grid_id=household_in.grid_id or dwelling.unit.building.grid_id,
    )
    if not await HouseholdRepository(session).add(household):
        raise DwellingOccupied("this dwelling already has a household")
    await _household_founded(session, household)
    return household


async def get_household(
    session: AsyncSession, *, principal: Principal, household_id: uuid.UUID
) -> HouseholdRead:
    """A household with its (masked) members."""
    household = await _readable_household(session, principal, household_id)
    today = today_in_shanghai()
    members = await ResidentRepository(session).members(household.id)
    return HouseholdRead.from_model(
        household, members=[ResidentRead.from_model(m, today=today) for m in members]
    )


async def list_households(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    grid_id: uuid.UUID | None,
    building_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> Page[HouseholdRead]:
    reader = await viewer(session, principal)
    division = division or principal.scope
    principal.require_scope(division)
    where: list[ColumnElement[bool]] = []
    if reader.grids is not None:
        where.append(Household.grid_id.in_(reader.grids))
    if grid_id is not None:
        where.append(Household.grid_id == grid_id)
    if building_id is not None:
        where.append(
            Household.dwelling_id.in_(
                select(Dwelling.id).where(Dwelling.building_id == building_id)
            )
        )
    rows = await HouseholdRepository(session).list(
        division_prefix=division,
        where=where,
        after=decode_community_cursor(cursor),
        limit=limit + 1,
    )
    return community_page(rows, limit=limit, read=HouseholdRead.from_model)


async def update_household(
    session: AsyncSession,
    *,
    principal: Principal,
    household_id: uuid.UUID,
    household_in: HouseholdUpdate,
) -> Household:
    """*Write path*: assign the household (and its residents) to a grid of its community."""
    household = await _writable_household(session, principal, household_id)
    changes = household_in.model_dump(exclude_unset=True)
    if "grid_id" not in changes or changes["grid_id"] == household.grid_id:
        return household
    await _grid_of_community(session, changes["grid_id"], household.community_code)
    household.grid_id = changes["grid_id"]
    for member in await ResidentRepository(session).members(household.id):
        member.grid_id = household.grid_id
    await session.flush()
    await _record(
        session,
        HouseholdUpdated(
            community_code=household.community_code,
            household_id=household.id,
            grid_id=household.grid_id,
            changed=["grid_id"],
        ),
        household.id,
    )
    return household


async def delete_household(
    session: AsyncSession, *, principal: Principal, household_id: uuid.UUID, deletion: Deletion
) -> None:
    """*Write path*: an empty household leaves the registry; its dwelling is free again."""
    household = await _writable_household(session, principal, household_id)
    if await HouseholdRepository(session).live_members(household.id):
        raise HouseholdNotEmpty("delete or move the household's residents first")
    household.deleted_at = datetime.now(UTC)
    household.deleted_by = principal.subject
    household.deletion_reason = deletion.reason
    household.deletion_note = deletion.note
    await session.flush()
    counters(session).household(household.community_code, delta=-1)
    await _record(
        session,
        HouseholdDeleted(
            community_code=household.community_code,
            household_id=household.id,
            reason=deletion.reason,
        ),
        household.id,
    )


# --- residents -----------------------------------------------------------------------------------


async def create_resident(
    session: AsyncSession, *, principal: Principal, cipher: PiiCipher, resident_in: ResidentCreate
) -> Resident:
    """A worker enters a resident into a household, or at an address (household founded)."""
    principal.require_role(*WRITE_ROLES)
    household = await destination_household(
        session,
        principal,
        household_id=resident_in.household_id,
        community_code=resident_in.community_code,
        address=resident_in.address,
    )
    return await enter_resident(
        session, household=household, cipher=cipher, resident_in=resident_in
    )


async def enter_resident(
    session: AsyncSession, *, household: Household, cipher: PiiCipher, resident_in: ResidentCreate
) -> Resident:
    """*Write path*: a new record for a person entered by a worker (or moving in), published."""
    facts = parse_id_number(resident_in.id_number)
    id_number = protect(cipher, PiiField.ID_NUMBER, resident_in.id_number)
    phone = protect(cipher, PiiField.PHONE, resident_in.phone) if resident_in.phone else None
    resident = await _add_resident(
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
    await _record(
        session,
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
        resident.id,
    )
    return resident


async def get_resident(
    session: AsyncSession, *, principal: Principal, resident_id: uuid.UUID
) -> ResidentRead:
    resident = await _readable_resident(session, principal, resident_id)
    return ResidentRead.from_model(resident, today=today_in_shanghai())


async def my_record(session: AsyncSession, *, principal: Principal) -> Resident:
    """The caller's own record: by the token's `resident_id`, else the account that registered."""
    principal.require_role(Role.RESIDENT)
    repository = ResidentRepository(session)
    resident = None
    if principal.resident_id:
        try:
            resident = await repository.get(uuid.UUID(principal.resident_id))
        except ValueError:
            resident = None
    if resident is None:
        resident = await repository.of_account(principal.subject)
    if resident is None:
        raise ResidentNotFound("no resident record is linked to your account yet")
    return resident


async def reveal_resident(
    session: AsyncSession,
    *,
    principal: Principal,
    cipher: PiiCipher,
    resident_id: uuid.UUID,
    purpose: str | None,
    request_id: str | None,
) -> ResidentRead:
    """Clear ID number and phone for a community worker, audited in the same transaction."""
    resident = await _readable_resident(session, principal, resident_id)
    principal.require_role(*REVEAL_ROLES)
    if not purpose:
        raise PurposeRequired()
    fields = [PiiField.ID_NUMBER] + ([PiiField.PHONE] if resident.phone_cipher else [])
    await audit_clear_read(
        session,
        principal=principal,
        entity="resident",
        entity_id=str(resident.id),
        fields=fields,
        purpose=purpose,
        request_id=request_id,
    )
    return ResidentRead.from_model(
        resident,
        today=today_in_shanghai(),
        id_number=cipher.decrypt(PiiField.ID_NUMBER, resident.id_number_cipher),
        phone=(
            cipher.decrypt(PiiField.PHONE, resident.phone_cipher) if resident.phone_cipher else None
        ),
    )


@dataclass(frozen=True, slots=True)
class ResidentFilters:
    """Filters of the resident list; each is optional."""

    division: str | None = None
    tag: StoredTag | DerivedTag | None = None
    age_band: AgeBand | None = None
    building_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    grid_id: uuid.UUID | None = None
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None


def _conditions(
    filters: ResidentFilters, *, cipher: PiiCipher, today: date
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.tag is not None:
        if isinstance(filters.tag, DerivedTag):
            where += born_between(*birth_range(TAG_AGES[filters.tag], today))
        else:
            where.append(Resident.tags.contains([filters.tag.value]))
    if filters.age_band is not None:
        where += born_between(*birth_range(BAND_AGES[filters.age_band], today))
    if filters.building_id is not None:
        where.append(
            Resident.household_id.in_(
                select(Household.id)
                .join(Dwelling, Dwelling.id == Household.dwelling_id)
                .where(Dwelling.building_id == filters.building_id)
            )
        )
    if filters.household_id is not None:
        where.append(Resident.household_id == filters.household_id)
    if filters.grid_id is not None:
        where.append(Resident.grid_id == filters.grid_id)
    if filters.name:
        where.append(Resident.name.startswith(filters.name, autoescape=True))
    # Exact look-ups go through the keyed blind index: nothing is decrypted to search.
    if filters.id_number is not None:
        where.append(
            Resident.id_number_index == cipher.blind_index(PiiField.ID_NUMBER, filters.id_number)
        )
    if filters.phone is not None:
        where.append(Resident.phone_index == cipher.blind_index(PiiField.PHONE, filters.phone))
    return where


async def list_residents(
    session: AsyncSession,
    *,
    principal: Principal,
    cipher: PiiCipher,
    filters: ResidentFilters,
    cursor: str | None,
    limit: int,
) -> Page[ResidentRead]:
    """Residents of a division (default: the caller's scope), masked, in community order."""
    reader = await viewer(session, principal)
    division = filters.division or principal.scope
    principal.require_scope(division)
    today = today_in_shanghai()
    where = _conditions(filters, cipher=cipher, today=today)
    if reader.grids is not None:
        where.append(Resident.grid_id.in_(reader.grids))
    rows = await ResidentRepository(session).list(
        division_prefix=division,
        where=where,
        after=decode_community_cursor(cursor),
        limit=limit + 1,
    )
    return community_page(
        rows, limit=limit, read=lambda row: ResidentRead.from_model(row, today=today)
    )


async def update_resident(
    session: AsyncSession,
    *,
    principal: Principal,
    cipher: PiiCipher,
    resident_id: uuid.UUID,
    resident_in: ResidentUpdate,
) -> Resident:
    changes = resident_in.model_dump(exclude_unset=True)
    nulls = [field for field, value in changes.items() if value is None and field != "phone"]
    if nulls:
        raise InvalidInput(
            "these fields cannot be null: " + ", ".join(nulls),
            errors=[
                {"field": f"body.{f}", "message": "cannot be null", "type": "not_null"}
                for f in nulls
            ],
        )
    resident = await _writable_resident(session, principal, resident_id)
    await apply_resident_changes(
        session,
        resident=resident,
        changes=changes,
        cipher=cipher,
        actor=principal,
    )
    return resident


async def delete_resident(
    session: AsyncSession, *, principal: Principal, resident_id: uuid.UUID, deletion: Deletion
) -> None:
    resident = await _writable_resident(session, principal, resident_id)
    await _delete_resident(session, resident=resident, deletion=deletion, actor=principal)
