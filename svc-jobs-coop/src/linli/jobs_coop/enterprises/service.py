"""Business rules of partner enterprises and micro-factories: coordinators register them,
link the one enterprise each `enterprise` login acts for, record cooperation agreements, open
micro-factories and seat their managers."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.errors import Forbidden
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.jobs_coop import clock
from linli.jobs_coop.access import enterprise_of, is_coordinator, require_coordinator
from linli.jobs_coop.enterprises.errors import (
    AccountLinkedElsewhere,
    EnterpriseNotFound,
    FactoryNotFound,
)
from linli.jobs_coop.enterprises.events import (
    AgreementSigned,
    EnterpriseAccountLinked,
    EnterpriseRegistered,
    FactoryManagerAssigned,
    MicroFactoryOpened,
)
from linli.jobs_coop.enterprises.repository import (
    ENTERPRISE_ORDER,
    FACTORY_ORDER,
    EnterpriseRepository,
    FactoryRepository,
)
from linli.jobs_coop.enterprises.schemas import (
    AgreementCreate,
    AgreementRead,
    EnterpriseCreate,
    EnterpriseRead,
    FactoryCreate,
    FactoryRead,
    ManagerIn,
    ManagerRead,
)
from linli.jobs_coop.models import (
    Agreement,
    Enterprise,
    EnterpriseAccount,
    FactoryManager,
    MicroFactory,
)


async def visible_enterprise(
    session: AsyncSession, principal: Principal, enterprise_id: uuid.UUID
) -> Enterprise:
    """The enterprise, to its own login or to a coordinator of its community; 404 otherwise."""
    enterprise = await EnterpriseRepository(session).get(enterprise_id)
    if enterprise is None:
        raise EnterpriseNotFound()
    if is_coordinator(principal) and principal.covers(enterprise.community_code):
        return enterprise
    own = await enterprise_of(session, principal)
    if own is not None and own.id == enterprise.id:
        return enterprise
    raise EnterpriseNotFound()


async def managed_enterprise(
    session: AsyncSession, principal: Principal, enterprise_id: uuid.UUID
) -> Enterprise:
    require_coordinator(principal)
    enterprise = await EnterpriseRepository(session).get(enterprise_id)
    if enterprise is None or not principal.covers(enterprise.community_code):
        raise EnterpriseNotFound()
    return enterprise


async def register(
    session: AsyncSession, *, principal: Principal, enterprise_in: EnterpriseCreate
) -> EnterpriseRead:
    require_coordinator(principal)
    principal.require_scope(enterprise_in.community_code)
    enterprise = Enterprise(**enterprise_in.model_dump(), created_by=principal.subject)
    session.add(enterprise)
    await session.flush()
    await events_of(session).record(
        EnterpriseRegistered(
            community_code=enterprise.community_code,
            enterprise_id=enterprise.id,
            name=enterprise.name,
            industry=enterprise.industry,
        ),
        subject_id=enterprise.id,
    )
    return await _read(session, enterprise)


async def get(
    session: AsyncSession, *, principal: Principal, enterprise_id: uuid.UUID
) -> EnterpriseRead:
    return await _read(session, await visible_enterprise(session, principal, enterprise_id))


async def list_enterprises(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[EnterpriseRead]:
    own = await enterprise_of(session, principal)
    if own is not None:
        return Page[EnterpriseRead](items=[await _read(session, own)])
    require_coordinator(principal)
    prefix = division or principal.scope
    principal.require_scope(prefix)
    repository = EnterpriseRepository(session)
    rows = await repository.find(
        division_prefix=prefix, after=ENTERPRISE_ORDER.decode(cursor), limit=limit
    )
    in_force = await repository.in_force([e.id for e in rows], clock.today())
    return ENTERPRISE_ORDER.page(
        rows, limit=limit, read=lambda e: _as_read(e, in_force=e.id in in_force)
    )


async def link_account(
    session: AsyncSession, *, principal: Principal, enterprise_id: uuid.UUID, subject: str
) -> EnterpriseRead:
    """Let the `enterprise` login `subject` act for this enterprise (and only this one)."""
    enterprise = await managed_enterprise(session, principal, enterprise_id)
    existing = await session.get(EnterpriseAccount, subject)
    if existing is not None:
        if existing.enterprise_id != enterprise.id:
            raise AccountLinkedElsewhere()
        return await _read(session, enterprise)
    if await insert_or_conflict(
        session, EnterpriseAccount(subject=subject, enterprise_id=enterprise.id)
    ):
        raise AccountLinkedElsewhere()
    await events_of(session).record(
        EnterpriseAccountLinked(
            community_code=enterprise.community_code,
            enterprise_id=enterprise.id,
            account_subject=subject,
        ),
        subject_id=enterprise.id,
    )
    return await _read(session, enterprise)


async def sign_agreement(
    session: AsyncSession,
    *,
    principal: Principal,
    enterprise_id: uuid.UUID,
    agreement_in: AgreementCreate,
) -> AgreementRead:
    enterprise = await managed_enterprise(session, principal, enterprise_id)
    agreement = Agreement(enterprise_id=enterprise.id, **agreement_in.model_dump())
    session.add(agreement)
    await session.flush()
    await events_of(session).record(
        AgreementSigned(
            community_code=enterprise.community_code,
            agreement_id=agreement.id,
            enterprise_id=enterprise.id,
            number=agreement.number,
            starts_on=agreement.starts_on,
            ends_on=agreement.ends_on,
        ),
        subject_id=agreement.id,
    )
    return _agreement_read(agreement)


async def agreements(
    session: AsyncSession, *, principal: Principal, enterprise_id: uuid.UUID
) -> list[AgreementRead]:
    enterprise = await visible_enterprise(session, principal, enterprise_id)
    return [
        _agreement_read(a) for a in await EnterpriseRepository(session).agreements(enterprise.id)
    ]


async def open_factory(
    session: AsyncSession, *, principal: Principal, factory_in: FactoryCreate
) -> FactoryRead:
    require_coordinator(principal)
    principal.require_scope(factory_in.community_code)
    factory = MicroFactory(**factory_in.model_dump())
    session.add(factory)
    await session.flush()
    await events_of(session).record(
        MicroFactoryOpened(
            community_code=factory.community_code,
            factory_id=factory.id,
            name=factory.name,
            capacity=factory.capacity,
        ),
        subject_id=factory.id,
    )
    return _factory_read(factory, [])


async def list_factories(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[FactoryRead]:
    """Micro-factories of a division: staff of their scope, an enterprise of its community."""
    own = await enterprise_of(session, principal)
    scope = own.community_code if own is not None else principal.scope
    if own is None:
        require_coordinator(principal)
    prefix = division or scope
    if not prefix.startswith(scope):
        raise Forbidden(f"division {prefix} lies outside your reach {scope}")
    repository = FactoryRepository(session)
    rows = await repository.find(
        division_prefix=prefix, after=FACTORY_ORDER.decode(cursor), limit=limit
    )
    managers = await repository.managers([f.id for f in rows])
    return FACTORY_ORDER.page(
        rows, limit=limit, read=lambda f: _factory_read(f, managers.get(f.id, []))
    )


async def assign_manager(
    session: AsyncSession,
    *,
    principal: Principal,
    factory_id: uuid.UUID,
    subject: str,
    manager_in: ManagerIn,
) -> FactoryRead:
    require_coordinator(principal)
    repository = FactoryRepository(session)
    factory = await repository.get(factory_id)
    if factory is None or not principal.covers(factory.community_code):
        raise FactoryNotFound()
    manager = await session.get(FactoryManager, (factory.id, subject))
    if manager is None:
        session.add(FactoryManager(factory_id=factory.id, subject=subject, name=manager_in.name))
        await session.flush()
        await events_of(session).record(
            FactoryManagerAssigned(
                community_code=factory.community_code,
                factory_id=factory.id,
                account_subject=subject,
            ),
            subject_id=factory.id,
        )
    else:
        manager.name = manager_in.name
        await session.flush()
    return _factory_read(factory, (await repository.managers([factory.id]))[factory.id])


async def _read(session: AsyncSession, enterprise: Enterprise) -> EnterpriseRead:
    in_force = await EnterpriseRepository(session).in_force([enterprise.id], clock.today())
    return _as_read(enterprise, in_force=enterprise.id in in_force)


def _as_read(enterprise: Enterprise, *, in_force: bool) -> EnterpriseRead:
    return EnterpriseRead(
        id=enterprise.id,
        community_code=enterprise.community_code,
        name=enterprise.name,
        industry=enterprise.industry,
        contact_name=enterprise.contact_name,
        agreement_in_force=in_force,
        created_at=enterprise.created_at,
    )


def _agreement_read(agreement: Agreement) -> AgreementRead:
    return AgreementRead(
        id=agreement.id,
        enterprise_id=agreement.enterprise_id,
        number=agreement.number,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        terms=agreement.terms,
    )


def _factory_read(factory: MicroFactory, managers: list[FactoryManager]) -> FactoryRead:
    return FactoryRead(
        id=factory.id,
        community_code=factory.community_code,
        name=factory.name,
        site=factory.site,
        capacity=factory.capacity,
        open_weekdays=factory.open_weekdays,
        opens_at=factory.opens_at,
        closes_at=factory.closes_at,
        managers=[ManagerRead(subject=m.subject, name=m.name) for m in managers],
    )
