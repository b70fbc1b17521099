"""HTTP of partner enterprises, their agreements and logins, and micro-factories."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.jobs_coop.enterprises import service
from linli.jobs_coop.enterprises.schemas import (
    AgreementCreate,
    AgreementRead,
    EnterpriseCreate,
    EnterpriseRead,
    FactoryCreate,
    FactoryRead,
    ManagerIn,
)

router = APIRouter(tags=["enterprises"], route_class=IdempotentRoute)

Subject = Annotated[str, Path(min_length=1, max_length=255, description="A login's subject")]
_COORDINATORS = "Only community workers and street, district or city admins; or outside your scope"


@router.post(
    "/enterprises",
    response_model=EnterpriseRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses({403: _COORDINATORS, 422: "Invalid fields (each listed)"}),
)
async def register_enterprise(
    session: DbSession, principal: CurrentPrincipal, enterprise_in: EnterpriseCreate
) -> EnterpriseRead:
    """Register a partner enterprise of a community's cooperative."""
    return await service.register(session, principal=principal, enterprise_in=enterprise_in)


@router.get(
    "/enterprises",
    response_model=Page[EnterpriseRead],
    responses=problem_responses({403: _COORDINATORS}),
)
async def list_enterprises(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[EnterpriseRead]:
    """Enterprises of a division; an enterprise login sees its own."""
    return await service.list_enterprises(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )


@router.get(
    "/enterprises/{enterprise_id}",
    response_model=EnterpriseRead,
    responses=problem_responses({404: "No such enterprise within your reach"}),
)
async def get_enterprise(
    session: DbSession, principal: CurrentPrincipal, enterprise_id: uuid.UUID
) -> EnterpriseRead:
    return await service.get(session, principal=principal, enterprise_id=enterprise_id)


@router.put(
    "/enterprises/{enterprise_id}/accounts/{subject}",
    response_model=EnterpriseRead,
    responses=problem_responses(
        {
            403: _COORDINATORS,
            404: "No such enterprise within your scope",
            409: "The login acts for another enterprise",
        }
    ),
)
async def link_account(
    session: DbSession, principal: CurrentPrincipal, enterprise_id: uuid.UUID, subject: Subject
) -> EnterpriseRead:
    """Let an `enterprise` login act for this enterprise; a login acts for one enterprise only."""
    return await service.link_account(
        session, principal=principal, enterprise_id=enterprise_id, subject=subject
    )


@router.post(
    "/enterprises/{enterprise_id}/agreements",
    response_model=AgreementRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {403: _COORDINATORS, 404: "No such enterprise within your scope", 422: "Invalid fields"}
    ),
)
async def sign_agreement(
    session: DbSession,
    principal: CurrentPrincipal,
    enterprise_id: uuid.UUID,
    agreement_in: AgreementCreate,
) -> AgreementRead:
    """Record a cooperation agreement (合作协议): work orders are posted only while one is in force."""
    return await service.sign_agreement(
        session, principal=principal, enterprise_id=enterprise_id, agreement_in=agreement_in
    )


@router.get(
    "/enterprises/{enterprise_id}/agreements",
    response_model=list[AgreementRead],
    responses=problem_responses({404: "No such enterprise within your reach"}),
)
async def list_agreements(
    session: DbSession, principal: CurrentPrincipal, enterprise_id: uuid.UUID
) -> list[AgreementRead]:
    return await service.agreements(session, principal=principal, enterprise_id=enterprise_id)


@router.post(
    "/micro-factories",
    response_model=FactoryRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses({403: _COORDINATORS, 422: "Invalid fields (each listed)"}),
)
async def open_factory(
    session: DbSession, principal: CurrentPrincipal, factory_in: FactoryCreate
) -> FactoryRead:
    """Open a micro-factory (微工厂): site, seats, opening days and hours (Asia/Shanghai)."""
    return await service.open_factory(session, principal=principal, factory_in=factory_in)


@router.get(
    "/micro-factories",
    response_model=Page[FactoryRead],
    responses=problem_responses({403: _COORDINATORS}),
)
async def list_factories(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[FactoryRead]:
    return await service.list_factories(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )


@router.put(
    "/micro-factories/{factory_id}/managers/{subject}",
    response_model=FactoryRead,
    responses=problem_responses({403: _COORDINATORS, 404: "No such micro-factory in your scope"}),
)
async def assign_manager(
    session: DbSession,
    principal: CurrentPrincipal,
    factory_id: uuid.UUID,
    subject: Subject,
    manager_in: ManagerIn,
) -> FactoryRead:
    """Seat a manager of the micro-factory."""
    return await service.assign_manager(
        session, principal=principal, factory_id=factory_id, subject=subject, manager_in=manager_in
    )
