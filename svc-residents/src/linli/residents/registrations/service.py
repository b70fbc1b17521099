"""Business rules of self-registration: who may submit, see, reveal, approve and reject."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.common.pii import PiiCipher, PiiField, audit_clear_read
from linli.residents.access import MANAGE_ROLES, REVEAL_ROLES, imported_community
from linli.residents.households import writes
from linli.residents.households.errors import HouseholdHasHead
from linli.residents.households.repository import ResidentRepository
from linli.residents.identity import mask_name, parse_id_number
from linli.residents.models import Registration, RegistrationStatus, RelationToHead
from linli.residents.protected import ProtectedValue, protect
from linli.residents.registrations.errors import (
    AlreadyAResident,
    RegistrationAlreadyPending,
    RegistrationNotFound,
    RegistrationNotPending,
)
from linli.residents.registrations.events import (
    ResidentApproved,
    ResidentRegistered,
    ResidentRejected,
)
from linli.residents.registrations.repository import REGISTRATION_ORDER, RegistrationRepository
from linli.residents.registrations.schemas import (
    RegistrationCreate,
    RegistrationRead,
    RegistrationReject,
)
from linli.residents.stats.service import counters

REVEAL_PURPOSE = "registration review"


async def submit(
    session: AsyncSession,
    *,
    principal: Principal,
    cipher: PiiCipher,
    registration_in: RegistrationCreate,
) -> Registration:
    """A resident registers (themselves or a member of their household) in a community."""
    principal.require_role(Role.RESIDENT)
    await imported_community(session, registration_in.community_code)
    facts = parse_id_number(registration_in.id_number)
    id_number = protect(cipher, PiiField.ID_NUMBER, registration_in.id_number)
    phone = protect(cipher, PiiField.PHONE, registration_in.phone)
    # Refused now, not at approval: a registration that no approval can settle would wait for
    # review for ever. Neither refusal says whose record or household it is.
    residents = ResidentRepository(session)
    if await residents.registered([id_number.index]):
        raise AlreadyAResident()
    address = registration_in.address
    place = (registration_in.community_code, address.building, address.unit, address.room)
    if registration_in.relation_to_head is RelationToHead.HEAD and await residents.heads_at(
        [place]
    ):
        raise HouseholdHasHead()
    repository = RegistrationRepository(session)
    registration = Registration(
        id=new_id(),
        community_code=registration_in.community_code,
        status=RegistrationStatus.PENDING,
        applicant_subject=principal.subject,
        name=registration_in.name,
        sex=registration_in.sex or facts.sex,
        birth_date=registration_in.birth_date or facts.birth_date,
        id_number_cipher=id_number.cipher,
        id_number_index=id_number.index,
        id_number_masked=id_number.masked,
        phone_cipher=phone.cipher,
        phone_index=phone.index,
        phone_masked=phone.masked,
        building=registration_in.address.building,
        unit=registration_in.address.unit,
        room=registration_in.address.room,
        relation_to_head=registration_in.relation_to_head,
        consented_at=datetime.now(UTC),
        created_at=datetime.now(UTC),
    )
    if not await repository.add(registration):
        raise RegistrationAlreadyPending(
            "a registration with this ID number already waits for review in this community"
        )
    counters(session).registration(registration.community_code)
    await events_of(session).record(
        ResidentRegistered(
            community_code=registration.community_code,
            registration_id=registration.id,
            name_masked=mask_name(registration.name),
            id_number_masked=registration.id_number_masked,
            phone_masked=registration.phone_masked,
            registered_at=registration.created_at,
        ),
        subject_id=str(registration.id),
    )
    return registration


async def list_registrations(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    status: RegistrationStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[RegistrationRead]:
    """Registrations of `division` (default: the caller's whole scope), masked, oldest first."""
    principal.require_role(*MANAGE_ROLES)
    division = division or principal.scope
    principal.require_scope(division)
    rows = await RegistrationRepository(session).list(
        division_prefix=division,
        status=status,
        after=REGISTRATION_ORDER.decode(cursor),
        limit=limit,
    )
    return REGISTRATION_ORDER.page(rows, limit=limit, read=RegistrationRead.from_model)


def _visible(principal: Principal, registration: Registration) -> bool:
    """The applicant sees their own; reviewing staff see those of their scope; nobody else."""
    if principal.has_role(Role.RESIDENT) and registration.applicant_subject == principal.subject:
        return True
    return principal.has_role(*MANAGE_ROLES) and principal.covers(registration.community_code)


async def get(
    session: AsyncSession, *, principal: Principal, registration_id: uuid.UUID
) -> Registration:
    registration = await RegistrationRepository(session).get(registration_id)
    if registration is None or not _visible(principal, registration):
        raise RegistrationNotFound()
    return registration


async def reveal(
    session: AsyncSession,
    *,
    principal: Principal,
    cipher: PiiCipher,
    registration_id: uuid.UUID,
    request_id: str | None,
) -> RegistrationRead:
    """The registration with clear ID number and phone, for a community worker checking documents;
    the read is audited in the same transaction, so no clear value leaves without its audit row."""
    registration = await get(session, principal=principal, registration_id=registration_id)
    principal.require_role(*REVEAL_ROLES)
    await audit_clear_read(
        session,
        principal=principal,
        entity="registration",
        entity_id=str(registration.id),
        fields=(PiiField.ID_NUMBER, PiiField.PHONE),
        purpose=REVEAL_PURPOSE,
        request_id=request_id,
    )
    return RegistrationRead.from_model(
        registration,
        id_number=cipher.decrypt(PiiField.ID_NUMBER, registration.id_number_cipher),
        phone=cipher.decrypt(PiiField.PHONE, registration.phone_cipher),
    )


async def _pending_for_review(
    session: AsyncSession, *, principal: Principal, registration_id: uuid.UUID
) -> Registration:
    principal.require_role(*MANAGE_ROLES)
    registration = await RegistrationRepository(session).get(registration_id, for_update=True)
    # Outside the reviewer's scope is answered exactly like an id that does not exist.
    if registration is None or not principal.covers(registration.community_code):
        raise RegistrationNotFound()
    if registration.status is not RegistrationStatus.PENDING:
        raise RegistrationNotPending(registration.status)
    # Every way out of the queue (approval, rejection) passes here, once per registration.
    counters(session).registration(registration.community_code, delta=-1)
    return registration


async def approve(
    session: AsyncSession, *, principal: Principal, registration_id: uuid.UUID
) -> Registration:
    """Approve: the person joins (or founds) the household at the registered address."""
    registration = await _pending_for_review(
        session, principal=principal, registration_id=registration_id
    )
    household, resident = await writes.settle(
        session,
        person=writes.NewResident(
            community_code=registration.community_code,
            building=registration.building,
            unit=registration.unit,
            room=registration.room,
            name=registration.name,
            sex=registration.sex,
            birth_date=registration.birth_date,
            # The registration's ciphertexts move as they are: same keys, same field binding.
            id_number=_stored(registration, PiiField.ID_NUMBER),
            phone=_stored(registration, PiiField.PHONE),
            relation_to_head=registration.relation_to_head,
            consented_at=registration.consented_at,
            account_subject=registration.applicant_subject,
        ),
    )
    decided_at = datetime.now(UTC)
    registration.status = RegistrationStatus.APPROVED
    registration.decided_at = decided_at
    registration.decided_by = principal.subject
    registration.household_id = household.id
    registration.resident_id = resident.id
    await session.flush()
    await events_of(session).record(
        ResidentApproved(
            community_code=registration.community_code,
            registration_id=registration.id,
            resident_id=resident.id,
            household_id=household.id,
            household_address=household.address,
            grid_id=household.grid_id,
            name_masked=mask_name(registration.name),
            birth_year=registration.birth_date.year,
            approved_by=principal.subject,
            approved_at=decided_at,
        ),
        subject_id=str(registration.id),
    )
    return registration


async def reject(
    session: AsyncSession,
    *,
    principal: Principal,
    registration_id: uuid.UUID,
    reject_in: RegistrationReject,
) -> Registration:
    """Reject with a reason the resident will read."""
    registration = await _pending_for_review(
        session, principal=principal, registration_id=registration_id
    )
    decided_at = datetime.now(UTC)
    registration.status = RegistrationStatus.REJECTED
    registration.decided_at = decided_at
    registration.decided_by = principal.subject
    registration.reject_reason = reject_in.reason
    await session.flush()
    await events_of(session).record(
        ResidentRejected(
            community_code=registration.community_code,
            registration_id=registration.id,
            reason=reject_in.reason,
            rejected_by=principal.subject,
            rejected_at=decided_at,
        ),
        subject_id=str(registration.id),
    )
    return registration


def _stored(registration: Registration, field: PiiField) -> ProtectedValue:
    if field is PiiField.ID_NUMBER:
        return ProtectedValue(
            cipher=registration.id_number_cipher,
            index=registration.id_number_index,
            masked=registration.id_number_masked,
        )
    return ProtectedValue(
        cipher=registration.phone_cipher,
        index=registration.phone_index,
        masked=registration.phone_masked,
    )
