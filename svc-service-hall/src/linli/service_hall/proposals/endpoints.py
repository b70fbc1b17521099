"""HTTP API of 议一议: `/proposals`, their supports, comments, course, progress and moderation."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from starlette.responses import StreamingResponse

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.files import Files
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.config import Settings
from linli.service_hall.models.proposals import ProposalStatus
from linli.service_hall.proposals import service
from linli.service_hall.proposals.schemas import (
    CommentCreate,
    CommentRead,
    HideIn,
    MoveIn,
    ProgressIn,
    ProposalCreate,
    ProposalDetail,
    ProposalRead,
    SupportRead,
)
from linli.service_hall.voice.photos import PhotoRead, serve_photo

router = APIRouter(prefix="/proposals", tags=["proposals (议一议)"], route_class=IdempotentRoute)

_NOT_FOUND = "No such proposal, or not one you may see"


def _threshold(request: Request) -> int:
    return cast(Settings, request.app.state.settings).proposal_support_threshold


Threshold = Annotated[int, Depends(_threshold)]


@router.post(
    "",
    response_model=ProposalDetail,
    status_code=201,
    summary="Put up a proposal for discussion",
    responses=problem_responses(
        {
            403: "Residents propose in their own community, street admins to their street",
            422: "Invalid body",
        }
    ),
)
async def submit(
    session: DbSession,
    principal: CurrentPrincipal,
    threshold: Threshold,
    proposal_in: ProposalCreate,
) -> ProposalDetail:
    """A proposal to your community, seen by every resident of it (a street's by the residents
    of all its communities). Once its supports reach the threshold it is on the agenda."""
    proposal = await service.submit(
        session, proposal_in=proposal_in, principal=principal, threshold=threshold
    )
    return await service.detail(session, principal, proposal)


@router.get(
    "",
    response_model=Page[ProposalRead],
    summary="List proposals",
    responses=problem_responses(
        {
            403: "`division` outside your scope (or not containing your community)",
            422: "Invalid filter",
        }
    ),
)
async def list_proposals(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    status: Annotated[ProposalStatus | None, Query(description="Only in this state")] = None,
    agenda: Annotated[
        bool, Query(description="The agenda: proposals under review, in the order taken up")
    ] = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ProposalRead]:
    """Residents: their community's and street's proposals, newest first. Staff: those of their
    scope (and a community's worker their street's). Hidden ones stay listed with the reason."""
    return await service.list_proposals(
        session,
        principal=principal,
        division=division,
        status=status,
        agenda=agenda,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/{proposal_id}",
    response_model=ProposalDetail,
    summary="Read a proposal and its record",
    responses=problem_responses({404: _NOT_FOUND}),
)
async def read(
    session: DbSession, principal: CurrentPrincipal, proposal_id: uuid.UUID
) -> ProposalDetail:
    """The proposal, its supports, status and answer, and its record: every move, progress
    update and moderation (who by role, when, why)."""
    proposal = await service.visible(session, principal, proposal_id)
    return await service.detail(session, principal, proposal)


@router.post(
    "/{proposal_id}/supports",
    response_model=SupportRead,
    summary="Support a proposal (once)",
    responses=problem_responses(
        {
            403: "Registered residents only",
            404: _NOT_FOUND,
            409: "Hidden, or past discussion and review",
        }
    ),
)
async def support(
    session: DbSession, principal: CurrentPrincipal, proposal_id: uuid.UUID
) -> SupportRead:
    """Your support, counted once: again, it answers the same count with `counted` false."""
    return await service.support(session, proposal_id=proposal_id, principal=principal)


@router.get(
    "/{proposal_id}/comments",
    response_model=list[CommentRead],
    summary="List a proposal's comments and replies",
    responses=problem_responses({404: _NOT_FOUND}),
)
async def list_comments(
    session: DbSession, principal: CurrentPrincipal, proposal_id: uuid.UUID
) -> list[CommentRead]:
    """Oldest first; a reply names its `parent_id`. Hidden ones keep their place and reason."""
    return await service.comments(session, proposal_id=proposal_id, principal=principal)


@router.post(
    "/{proposal_id}/comments",
    response_model=CommentRead,
    status_code=201,
    summary="Comment on a proposal, or reply to a comment",
    responses=problem_responses(
        {
            404: _NOT_FOUND + " (or the comment replied to)",
            409: "The proposal is hidden or finished, or the comment replied to is hidden",
            422: "Invalid body",
        }
    ),
)
async def add_comment(
    session: DbSession,
    principal: CurrentPrincipal,
    proposal_id: uuid.UUID,
    comment_in: CommentCreate,
) -> CommentRead:
    created = await service.comment(
        session, proposal_id=proposal_id, comment_in=comment_in, principal=principal
    )
    return service.read_comment(principal, created)


@router.post(
    "/{proposal_id}/moves",
    response_model=ProposalDetail,
    summary="Move a proposal along its course",
    responses=problem_responses(
        {
            403: "Only the staff of the proposal's division",
            404: _NOT_FOUND,
            409: "Not allowed from its status: the problem names `state` and the `allowed` moves",
            422: "Invalid body, or a rejection without an answer",
        }
    ),
)
async def move(
    session: DbSession, principal: CurrentPrincipal, proposal_id: uuid.UUID, move_in: MoveIn
) -> ProposalDetail:
    """`review` (onto the agenda), `adopt` (handed to the community's fund as a project, through
    `proposal.adopted`), `start`, `complete`, or `reject` with the answer residents will read."""
    proposal = await service.move(
        session, proposal_id=proposal_id, move_in=move_in, principal=principal
    )
    return await service.detail(session, principal, proposal)


@router.post(
    "/{proposal_id}/progress",
    response_model=ProposalDetail,
    summary="Tell the progress of an adopted proposal",
    responses=problem_responses(
        {
            403: "Only the staff of the proposal's division",
            404: _NOT_FOUND,
            409: "Not adopted or in progress",
            422: "Invalid body",
        }
    ),
)
async def progress(
    session: DbSession,
    principal: CurrentPrincipal,
    proposal_id: uuid.UUID,
    progress_in: ProgressIn,
) -> ProposalDetail:
    proposal = await service.progress(
        session, proposal_id=proposal_id, progress_in=progress_in, principal=principal
    )
    return await service.detail(session, principal, proposal)


@router.post(
    "/{proposal_id}/hide",
    status_code=204,
    summary="Hide a proposal, with the reason",
    responses=problem_responses(
        {403: "Only the staff of the proposal's division", 404: _NOT_FOUND, 409: "Hidden already"}
    ),
)
async def hide_proposal(
    session: DbSession, principal: CurrentPrincipal, proposal_id: uuid.UUID, hide_in: HideIn
) -> None:
    """Moderation: the text is withheld from residents; the reason stays on the record."""
    await service.hide(
        session, proposal_id=proposal_id, comment_id=None, hide_in=hide_in, principal=principal
    )


@router.post(
    "/{proposal_id}/comments/{comment_id}/hide",
    status_code=204,
    summary="Hide a comment, with the reason",
    responses=problem_responses(
        {
            403: "Only the staff of the proposal's division",
            404: _NOT_FOUND + " (or the comment)",
            409: "Hidden already",
        }
    ),
)
async def hide_comment(
    session: DbSession,
    principal: CurrentPrincipal,
    proposal_id: uuid.UUID,
    comment_id: uuid.UUID,
    hide_in: HideIn,
) -> None:
    await service.hide(
        session,
        proposal_id=proposal_id,
        comment_id=comment_id,
        hide_in=hide_in,
        principal=principal,
    )


# The router's Idempotency-Key claim fingerprints the form (fields, file names and contents):
# a retried upload with its key stores one photo and replays the answer.
@router.post(
    "/{proposal_id}/photos",
    response_model=PhotoRead,
    status_code=201,
    summary="Add a photo to a proposal",
    responses=problem_responses(
        {
            403: "Only the author",
            404: _NOT_FOUND,
            409: "No longer open, or 9 photos",
            413: "Over 10 MB",
            415: "Not a JPEG, PNG or WebP image (by its content)",
            422: "An empty file, or a path-like name",
        }
    ),
)
async def add_photo(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    proposal_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="A JPEG, PNG or WebP photo, at most 10 MB")],
) -> PhotoRead:
    photo = await service.add_proposal_photo(
        session, files, proposal_id=proposal_id, upload=file, principal=principal
    )
    return PhotoRead.model_validate(photo)


@router.get(
    "/{proposal_id}/photos/{photo_id}",
    response_class=StreamingResponse,
    summary="Download a proposal's photo",
    responses=problem_responses({404: _NOT_FOUND}),
)
async def download_photo(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    proposal_id: uuid.UUID,
    photo_id: uuid.UUID,
) -> StreamingResponse:
    proposal = await service.visible(session, principal, proposal_id)
    return await serve_photo(
        session, files, owner_kind=service.PHOTO_OWNER, owner_id=proposal.id, photo_id=photo_id
    )
