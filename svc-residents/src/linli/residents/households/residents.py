"""Business rules of residents: entering one, reading (masked, or revealed and audited), the
caller's own record, listing with filters, changing and deleting. Writes go through `writes`; who
may do what is `access`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.errors import NullNotAllowed
from linli.common.pagination import Page
from linli.common.pii import PiiCipher, PiiField, audit_clear_read
from linli.residents.access import (
    REVEAL_ROLES,
    WRITE_ROLES,
    readable_resident,
    viewer,
    writable_resident,
)
from linli.residents.ages import (
    BAND_AGES,
    TAG_AGES,
    AgeBand,
    DerivedTag,
    birth_range,
    today_in_shanghai,
)
from linli.residents.households import writes
from linli.residents.households.errors import PurposeRequired, ResidentNotFound
from linli.residents.households.repository import (
    RESIDENT_ORDER,
    ResidentRepository,
    born_between,
)
from linli.residents.households.schemas import (
    Deletion,
    ResidentCreate,
    ResidentRead,
    ResidentUpdate,
)
from linli.residents.models import Dwelling, Household, Resident, StoredTag


async def create_resident(
    session: AsyncSession, *, principal: Principal, cipher: PiiCipher, resident_in: ResidentCreate
) -> Resident:
    """A worker enters a resident into a household, or at an address (household founded)."""
    principal.require_role(*WRITE_ROLES)
    household = await writes.destination_household(
        session,
        principal,
        household_id=resident_in.household_id,
        community_code=resident_in.community_code,
        address=resident_in.address,
    )
    return await writes.enter_resident(
        session, household=household, cipher=cipher, resident_in=resident_in
    )


async def get_resident(
    session: AsyncSession, *, principal: Principal, resident_id: uuid.UUID
) -> ResidentRead:
    resident = await readable_resident(session, principal, resident_id)
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
    resident = await readable_resident(session, principal, resident_id)
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
        after=RESIDENT_ORDER.decode(cursor),
        limit=limit,
    )
    return RESIDENT_ORDER.page(
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
        raise NullNotAllowed(nulls)
    resident = await writable_resident(session, principal, resident_id)
    await writes.apply_resident_changes(
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
    resident = await writable_resident(session, principal, resident_id)
    await writes.remove_resident(session, resident=resident, deletion=deletion, actor=principal)
