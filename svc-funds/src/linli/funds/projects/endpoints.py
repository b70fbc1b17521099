"""HTTP of projects: proposed, voted on by the committee, crowdfunded, reported on and
completed; every page public, as the money is."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status
from fastapi.responses import StreamingResponse

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.files import Files, file_response
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from linli.funds.caching import PUBLIC, FundsRoute
from linli.funds.donations import service as donations
from linli.funds.donations.providers import Provider
from linli.funds.donations.schemas import DonationCreate, DonationRead, PublicDonation
from linli.funds.models import ProjectStatus
from linli.funds.payments import service as payments
from linli.funds.payments.schemas import PaymentRead, RejectionCreate
from linli.funds.projects import service
from linli.funds.projects.schemas import (
    CompletionCreate,
    ProjectBudget,
    ProjectCreate,
    ProjectRead,
    UpdateCreate,
    UpdateRead,
)

router = APIRouter(tags=["projects"], route_class=FundsRoute)

_STAFF = "Only community workers and street, district or city admins manage projects"
_DECIDE = (
    "Not a member of the fund's committee, the member's term is not running, or the member "
    "proposed the project"
)
_PUBLIC_LIST = {404: "No such project", 422: "The cursor is not one we gave"}


@router.post(
    "/funds/{fund_id}/projects",
    response_model=ProjectRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only residents and the fund's staff propose projects",
            404: "No such fund within your scope",
            409: "Fewer serving members could approve the budget than it needs",
            422: "Invalid fields (each listed)",
        }
    ),
)
async def propose(
    session: DbSession, principal: CurrentPrincipal, fund_id: uuid.UUID, project_in: ProjectCreate
) -> ProjectRead:
    """Propose a project (金点子) to a fund of your division, with its budget and crowdfunding
    goal if known (staff may set them later). Send an `Idempotency-Key`."""
    return await service.propose(
        session, principal=principal, fund_id=fund_id, project_in=project_in
    )


@router.get(
    "/funds/{fund_id}/projects",
    response_model=Page[ProjectRead],
    responses=problem_responses(
        {404: "No such fund", 422: "A filter is invalid, or the cursor is not one we gave"},
        authenticated=False,
    ),
    openapi_extra=PUBLIC,
)
async def list_projects(
    session: DbSession,
    fund_id: uuid.UUID,
    status: Annotated[ProjectStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ProjectRead]:
    """The fund's projects with their goals, money raised and spent, newest first; public."""
    return await service.list_projects(
        session, fund_id=fund_id, status=status, cursor=cursor, limit=limit
    )


@router.get(
    "/projects/{project_id}",
    response_model=ProjectRead,
    responses=problem_responses({404: "No such project"}, authenticated=False),
    openapi_extra=PUBLIC,
)
async def get_project(session: DbSession, project_id: uuid.UUID) -> ProjectRead:
    """A project's public page: goal, raised (and from how many donations), spent, status."""
    return await service.get_project(session, project_id=project_id)


@router.put(
    "/projects/{project_id}/budget",
    response_model=ProjectRead,
    responses=problem_responses(
        {
            403: _STAFF,
            404: "No such project within your scope",
            409: "Decided already, approved by a member already, or too few members could "
            "approve this budget",
            422: "Invalid budget",
        }
    ),
)
async def set_budget(
    session: DbSession, principal: CurrentPrincipal, project_id: uuid.UUID, budget: ProjectBudget
) -> ProjectRead:
    """Set the budget the committee votes on and the crowdfunding goal, until a member approves."""
    return await service.set_budget(
        session, principal=principal, project_id=project_id, budget=budget
    )


@router.post(
    "/projects/{project_id}/approvals",
    response_model=ProjectRead,
    responses=problem_responses(
        {
            403: _DECIDE,
            404: "No such project",
            409: "Approved by you already, decided already, or no budget yet",
        }
    ),
)
async def approve(
    session: DbSession, principal: CurrentPrincipal, project_id: uuid.UUID
) -> ProjectRead:
    """Approve as a serving committee member; the approval completing the quorum (the fund's
    rules, as for a payment of the budget) approves the project. Send an `Idempotency-Key`."""
    return await service.approve(session, principal=principal, project_id=project_id)


@router.post(
    "/projects/{project_id}/rejection",
    response_model=ProjectRead,
    responses=problem_responses(
        {403: _DECIDE, 404: "No such project", 409: "Decided already", 422: "A reason is needed"}
    ),
)
async def reject(
    session: DbSession,
    principal: CurrentPrincipal,
    project_id: uuid.UUID,
    rejection_in: RejectionCreate,
) -> ProjectRead:
    """Reject as a serving committee member, with a reason shown on the public page."""
    return await service.reject(
        session, principal=principal, project_id=project_id, rejection_in=rejection_in
    )


@router.post(
    "/projects/{project_id}/donations",
    response_model=DonationRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            404: "No such project",
            409: "The project is not under way (not approved yet, or completed)",
            422: "Invalid fields: an amount must be a whole number of fen, at least 1",
        }
    ),
)
async def pledge(
    session: DbSession,
    principal: CurrentPrincipal,
    provider: Provider,
    project_id: uuid.UUID,
    donation_in: DonationCreate,
) -> DonationRead:
    """Give to an approved project, from 1 fen: posted to the project's fund when the provider
    confirms, counted towards the project's goal. Send an `Idempotency-Key`."""
    project = await service.open_project(session, project_id)
    return await donations.pledge(
        session,
        principal=principal,
        provider=provider,
        fund_id=project.fund_id,
        donation_in=donation_in,
        project_id=project.id,
    )


@router.get(
    "/projects/{project_id}/donations",
    response_model=Page[PublicDonation],
    responses=problem_responses(_PUBLIC_LIST, authenticated=False),
    openapi_extra=PUBLIC,
)
async def list_donations(
    session: DbSession, project_id: uuid.UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[PublicDonation]:
    """The project's donors, newest first, anonymous ones as 爱心人士; public."""
    project = await service.get_project(session, project_id=project_id)
    return await donations.list_public(
        session, fund_id=project.fund_id, project_id=project.id, cursor=cursor, limit=limit
    )


@router.get(
    "/projects/{project_id}/payments",
    response_model=Page[PaymentRead],
    responses=problem_responses(_PUBLIC_LIST, authenticated=False),
    openapi_extra=PUBLIC,
)
async def list_payments(
    session: DbSession, project_id: uuid.UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[PaymentRead]:
    """What the project spends: its payment requests, paid or not, newest first; public."""
    project = await service.get_project(session, project_id=project_id)
    return await payments.list_payments(
        session,
        fund_id=project.fund_id,
        project_id=project.id,
        status=None,
        cursor=cursor,
        limit=limit,
    )


@router.post(
    "/projects/{project_id}/updates",
    response_model=UpdateRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: _STAFF,
            404: "No such project within your scope",
            409: "The project is not under way",
            422: "Invalid fields",
        }
    ),
)
async def add_update(
    session: DbSession, principal: CurrentPrincipal, project_id: uuid.UUID, update_in: UpdateCreate
) -> UpdateRead:
    """Report on the work under way, on the project's public page. Send an `Idempotency-Key`."""
    return await service.add_update(
        session, principal=principal, project_id=project_id, update_in=update_in
    )


@router.get(
    "/projects/{project_id}/updates",
    response_model=Page[UpdateRead],
    responses=problem_responses(_PUBLIC_LIST, authenticated=False),
    openapi_extra=PUBLIC,
)
async def list_updates(
    session: DbSession, project_id: uuid.UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[UpdateRead]:
    """Updates on the work, newest first; public."""
    return await service.list_updates(session, project_id=project_id, cursor=cursor, limit=limit)


# The Idempotency-Key claim fingerprints the form (fields, file names and contents): a retried
# upload with its key stores one photo and replays the answer.
@router.post(
    "/projects/{project_id}/updates/{update_id}/photos",
    response_model=UpdateRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: _STAFF,
            404: "No such project within your scope, or no such update of it",
            409: "The project is not under way",
            413: "The photo is larger than 10 MB",
            415: "Not a JPEG, PNG or WebP image (by its content)",
            422: "An empty file, or a file name that is a path or holds a NUL",
        }
    ),
)
async def add_photo(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    project_id: uuid.UUID,
    update_id: uuid.UUID,
    file: UploadFile,
) -> UpdateRead:
    """Add a photo to an update (multipart `file`); the update with its photos. Send an
    `Idempotency-Key`: a retry under it adds no second photo."""
    return await service.add_photo(
        session,
        principal=principal,
        files=files,
        project_id=project_id,
        update_id=update_id,
        upload=file,
    )


@router.get(
    "/projects/{project_id}/photos/{photo_id}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
        **problem_responses({404: "No such photo of this project"}, authenticated=False),
    },
)
async def get_photo(
    session: DbSession, files: Files, project_id: uuid.UUID, photo_id: uuid.UUID
) -> StreamingResponse:
    """A photo of the work, as public as the project's page."""
    found = await service.photo(session, project_id=project_id, photo_id=photo_id)
    return await file_response(
        files, found.key, content_type=found.content_type, filename=found.name
    )


@router.post(
    "/projects/{project_id}/completion",
    response_model=ProjectRead,
    responses=problem_responses(
        {
            403: _STAFF,
            404: "No such project within your scope",
            409: "The project is not under way, or payment requests for it wait for a decision",
            422: "A report is needed",
        }
    ),
)
async def complete(
    session: DbSession,
    principal: CurrentPrincipal,
    project_id: uuid.UUID,
    completion_in: CompletionCreate,
) -> ProjectRead:
    """Complete the project with a report; the page then states what was raised and spent."""
    return await service.complete(
        session, principal=principal, project_id=project_id, completion_in=completion_in
    )
