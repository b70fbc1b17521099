"""Rules of self-registration and review, called directly inside a rolled-back transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.errors import Forbidden
from linli.common.outbox import OutboxMessage
from linli.common.pii import PiiCipher, PiiField
from linli.residents.divisions.errors import UnknownCommunity
from linli.residents.households.errors import ResidentAlreadyRegistered
from linli.residents.models import Household, Registration, RegistrationStatus, Resident, Sex
from linli.residents.registrations import service
from linli.residents.registrations.errors import (
    RegistrationAlreadyPending,
    RegistrationNotFound,
    RegistrationNotPending,
)
from linli.residents.registrations.schemas import RegistrationCreate, RegistrationReject
from linli.testing import OutboxReader

pytestmark = pytest.mark.usefixtures("tree_in_session")

PayloadFactory = Callable[..., dict[str, Any]]
RESIDENT = Principal(subject="resident-1", roles=frozenset({Role.RESIDENT}), scope="")
WORKER = Principal(
    subject="worker-1", roles=frozenset({Role.COMMUNITY_WORKER}), scope="330108001001"
)


async def submit(
    session: AsyncSession,
    cipher: PiiCipher,
    payload: dict[str, Any],
    principal: Principal = RESIDENT,
) -> Registration:
    return await service.submit(
        session,
        principal=principal,
        cipher=cipher,
        registration_in=RegistrationCreate.model_validate(payload),
    )


async def events(session: AsyncSession) -> list[OutboxMessage]:
    return await OutboxReader(session).messages()


async def test_submit_stores_protected_values_and_derives_sex_and_birth_date(
    session: AsyncSession, cipher: PiiCipher, registration_payload: PayloadFactory
) -> None:
    payload = registration_payload()

    registration = await submit(session, cipher, payload)

    assert registration.status is RegistrationStatus.PENDING
    assert registration.applicant_subject == "resident-1"
    assert registration.sex is Sex.MALE
    assert registration.birth_date == date(1990, 3, 7)
    assert payload["id_number"].encode() not in registration.id_number_cipher
    assert cipher.decrypt(PiiField.ID_NUMBER, registration.id_number_cipher) == payload["id_number"]
    assert registration.id_number_index == cipher.blind_index(
        PiiField.ID_NUMBER, payload["id_number"]
    )
    assert registration.phone_index == cipher.blind_index(PiiField.PHONE, "13812345678")
    assert (
        registration.id_number_masked
        == payload["id_number"][:3] + "*" * 11 + payload["id_number"][-4:]
    )
    assert registration.phone_masked == "138****5678"
    [event] = await events(session)
    assert event.subject == "linli.3301.330108.330108001.330108001001.residents.resident.registered"
    assert set(event.payload["data"]) == {
        "type",
        "community_code",
        "registration_id",
        "name_masked",
        "id_number_masked",
        "phone_masked",
        "registered_at",
    }
    assert event.payload["data"]["name_masked"] == "张*"


@pytest.mark.parametrize("community_code", ["330108001009", "330108002009"])
async def test_submit_to_a_community_never_imported_is_refused(
    session: AsyncSession,
    cipher: PiiCipher,
    registration_payload: PayloadFactory,
    community_code: str,
) -> None:
    with pytest.raises(UnknownCommunity):
        await submit(session, cipher, registration_payload(community_code=community_code))


async def test_only_residents_submit(
    session: AsyncSession, cipher: PiiCipher, registration_payload: PayloadFactory
) -> None:
    with pytest.raises(Forbidden):
        await submit(session, cipher, registration_payload(), principal=WORKER)


async def test_the_same_person_cannot_wait_twice_in_one_community(
    session: AsyncSession, cipher: PiiCipher, registration_payload: PayloadFactory
) -> None:
    await submit(session, cipher, registration_payload())

    with pytest.raises(RegistrationAlreadyPending):
        await submit(session, cipher, registration_payload(phone="13900000000"))


async def test_approvals_at_one_address_share_one_household(
    session: AsyncSession,
    cipher: PiiCipher,
    registration_payload: PayloadFactory,
    make_id_number: Callable[[str], str],
) -> None:
    head = await submit(session, cipher, registration_payload())
    spouse = await submit(
        session,
        cipher,
        registration_payload(
            name="李四", id_number=make_id_number("33010819920512124"), relation_to_head="spouse"
        ),
    )

    await service.approve(session, principal=WORKER, registration_id=head.id)
    await service.approve(session, principal=WORKER, registration_id=spouse.id)

    assert head.household_id == spouse.household_id is not None
    assert await session.scalar(select(func.count()).select_from(Household)) == 1
    residents = (await session.scalars(select(Resident).order_by(Resident.name))).all()
    assert [(r.name, r.sex, r.tags) for r in residents] == [
        ("张三", Sex.MALE, []),
        ("李四", Sex.FEMALE, []),
    ]
    assert residents[0].id_number_cipher == head.id_number_cipher
    assert residents[0].account_subject == "resident-1"


async def test_approve_refuses_a_person_already_in_the_registry(
    session: AsyncSession, cipher: PiiCipher, registration_payload: PayloadFactory
) -> None:
    # Both wait for review; the first approved makes the person a resident.
    first = await submit(session, cipher, registration_payload())
    second = await submit(session, cipher, registration_payload(community_code="330108001002"))
    await service.approve(session, principal=WORKER, registration_id=first.id)
    street_admin = Principal(subject="s", roles=frozenset({Role.STREET_ADMIN}), scope="330108001")

    with pytest.raises(ResidentAlreadyRegistered):
        await service.approve(session, principal=street_admin, registration_id=second.id)

    assert second.status is RegistrationStatus.PENDING


async def test_a_decided_registration_cannot_be_decided_again(
    session: AsyncSession, cipher: PiiCipher, registration_payload: PayloadFactory
) -> None:
    registration = await submit(session, cipher, registration_payload())
    reject_in = RegistrationReject(reason="地址与房产信息不符")
    await service.reject(
        session, principal=WORKER, registration_id=registration.id, reject_in=reject_in
    )

    with pytest.raises(RegistrationNotPending):
        await service.approve(session, principal=WORKER, registration_id=registration.id)

    assert registration.reject_reason == "地址与房产信息不符"
    assert registration.decided_by == "worker-1"


async def test_review_outside_scope_and_unknown_ids_read_alike(
    session: AsyncSession, cipher: PiiCipher, registration_payload: PayloadFactory
) -> None:
    registration = await submit(session, cipher, registration_payload())
    elsewhere = Principal(
        subject="w2", roles=frozenset({Role.COMMUNITY_WORKER}), scope="330108001002"
    )

    with pytest.raises(RegistrationNotFound):
        await service.approve(session, principal=elsewhere, registration_id=registration.id)
    with pytest.raises(RegistrationNotFound):
        await service.approve(session, principal=WORKER, registration_id=uuid.uuid4())
