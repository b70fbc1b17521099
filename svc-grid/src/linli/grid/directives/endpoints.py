"""HTTP API of directives: issue, amend, withdraw, a community's inbox and answers, the board."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.responses import StreamingResponse

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.files import Files
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.grid.directives import service
from linli.grid.directives.schemas import (
    CompletionNote,
    DirectiveCreate,
    DirectiveDetail,
    DirectiveStatus,
    DirectiveUpdate,
    DirectiveWithdrawal,
    InboxItem,
    IssuedItem,
    RevisionRead,
    UnitRead,
)

# Every POST takes `Idempotency-Key`: a retried issue or report gives the first answer.
router = APIRouter(prefix="/directives", tags=["directives"], route_class=IdempotentRoute)

_NOT_FOUND = "No such directive, or none that reached your scope"
_FILES = {
    413: "A file over 10 MB",
    415: "A file that is not a PDF, JPEG, PNG or WebP (judged from the content)",
}
_note = TypeAdapter(CompletionNote)


def _parsed_directive(raw: str) -> DirectiveCreate:
    try:
        return DirectiveCreate.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", "directive", *error["loc"])} for error in exc.errors()]
        ) from exc


@router.post(
    "",
    response_model=DirectiveDetail,
    status_code=201,
    summary="Issue a directive (上级指令) to the communities below",
    responses=problem_responses(
        {
            403: "Only street, district and city admins issue, from their own unit; a chosen "
            "community not below the issuer",
            **_FILES,
            422: "Invalid directive (title, body, a deadline not in the future, unknown "
            "communities, none below the issuer) or too many attachments",
        }
    ),
)
async def issue(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    directive: Annotated[
        str,
        Form(
            max_length=200_000,
            description='The directive as JSON: `{"title", "body", "deadline", "communities"?, '
            '"remind_before_hours"?}` (see `DirectiveCreate`)',
        ),
    ],
    attachments: Annotated[
        list[UploadFile] | None,
        File(description="Up to 9 files (PDF, JPEG, PNG, WebP; 10 MB each)"),
    ] = None,
) -> DirectiveDetail:
    """A multipart form: `directive` (JSON) and any `attachments`. Issued from your own unit
    (a street admin's street, a district admin's district, the city) to every community below
    it that the grid knows, or to `communities` you choose below it; the set is fixed now.
    Each community gets `directive.issued` on its own subject; laggards are reminded
    `remind_before_hours` before the deadline (`directive.reminder_due`) and reported overdue
    at it (`directive.overdue`)."""
    made = await service.issue(
        session,
        files,
        directive_in=_parsed_directive(directive),
        attachments=attachments or [],
        principal=principal,
    )
    return await service.detail(session, directive=made, principal=principal)


@router.get(
    "/issued",
    response_model=Page[IssuedItem],
    summary="Directives issued by a unit",
    responses=problem_responses(
        {403: "Street, district and city admins, auditors; `division` within your scope"}
    ),
)
async def list_issued(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[IssuedItem]:
    """Directives issued by the division (default: your scope) or a unit below it, newest
    first, each with its tally now: acknowledged, completed, overdue."""
    return await service.list_issued(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )


@router.get(
    "/inbox",
    response_model=Page[InboxItem],
    summary="A community's inbox of directives",
    responses=problem_responses(
        {403: "Staff only; `division` must be a community of your scope (default: your scope)"}
    ),
)
async def inbox(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[InboxItem]:
    """The directives sent to the community, newest first, each with where the community
    stands: not acknowledged, acknowledged, completed, and whether it is overdue."""
    return await service.list_inbox(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )


@router.get(
    "/{directive_id}",
    response_model=DirectiveDetail,
    summary="Read a directive",
    responses=problem_responses({403: "Staff only", 404: _NOT_FOUND}),
)
async def read(
    session: DbSession, principal: CurrentPrincipal, directive_id: uuid.UUID
) -> DirectiveDetail:
    """The directive, its attachments, and the rows and evidence of the communities of your
    scope it was sent to."""
    directive = await service.visible(session, principal, directive_id)
    return await service.detail(session, directive=directive, principal=principal)


@router.patch(
    "/{directive_id}",
    response_model=DirectiveDetail,
    summary="Amend a directive (修改)",
    responses=problem_responses(
        {
            403: "Only the issuing unit's admin amends (not the communities, the streets under "
            "an issuing district, the levels above it, auditors)",
            404: _NOT_FOUND,
            409: "`revision` is not the directive's (`directive-revision-mismatch`, the problem's "
            "`revision` is the current one), or it was withdrawn (`directive-withdrawn`)",
            422: "Invalid fields, none to change, a new deadline or reminder not in the future, "
            "a reminder not before the deadline",
        }
    ),
)
async def amend(
    session: DbSession,
    principal: CurrentPrincipal,
    directive_id: uuid.UUID,
    directive_in: DirectiveUpdate,
) -> DirectiveDetail:
    """Change the title, body, deadline or reminder time of a directive your unit issued; send
    the `revision` you read, fields left out stay. Every target community gets
    `directive.amended` on its subject (it names the changed fields) and the change is kept in
    `GET /directives/{id}/revisions`. A new deadline reschedules the reminder (same lead, unless
    you send `remind_at`) and the overdue notice: communities marked overdue that have not
    completed are no longer overdue and are notified again at the new times; completed ones
    keep their report and whether it was late. Sending only unchanged values changes nothing
    (same `revision`, no event). A retry after a lost answer gets 409 with the new `revision`:
    read the directive to see whether your change is there."""
    directive = await service.amend(
        session, directive_id=directive_id, directive_in=directive_in, principal=principal
    )
    return await service.detail(session, directive=directive, principal=principal)


@router.post(
    "/{directive_id}/withdraw",
    response_model=DirectiveDetail,
    summary="Withdraw a directive (撤回)",
    responses=problem_responses(
        {
            403: "Only the issuing unit's admin withdraws",
            404: _NOT_FOUND,
            409: "Already withdrawn (`directive-withdrawn`)",
            422: "No reason, or one over 500 characters",
        }
    ),
)
async def withdraw(
    session: DbSession,
    principal: CurrentPrincipal,
    directive_id: uuid.UUID,
    withdrawal: DirectiveWithdrawal,
) -> DirectiveDetail:
    """Withdraw a directive your unit issued, with a `reason`. Every community that has not
    completed it is closed as `withdrawn`: no reminder or overdue notice any more, and signing
    or reporting it is 409 `directive-withdrawn`; completed communities keep their report.
    Every target community gets `directive.withdrawn` on its subject. Once only."""
    directive = await service.withdraw(
        session, directive_id=directive_id, withdrawal=withdrawal, principal=principal
    )
    return await service.detail(session, directive=directive, principal=principal)


@router.get(
    "/{directive_id}/revisions",
    response_model=Page[RevisionRead],
    summary="A directive's amendments",
    responses=problem_responses({403: "Staff only", 404: _NOT_FOUND}),
)
async def revisions(
    session: DbSession,
    principal: CurrentPrincipal,
    directive_id: uuid.UUID,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[RevisionRead]:
    """Every amendment, oldest first: who, when, and each changed field before and after
    (times as ISO 8601); for whoever may read the directive."""
    return await service.revisions(
        session, directive_id=directive_id, principal=principal, cursor=cursor, limit=limit
    )


@router.get(
    "/{directive_id}/status",
    response_model=DirectiveStatus,
    summary="Who has not acknowledged, not completed, or is overdue",
    responses=problem_responses({403: "Staff only", 404: _NOT_FOUND}),
)
async def status(
    session: DbSession, principal: CurrentPrincipal, directive_id: uuid.UUID
) -> DirectiveStatus:
    """Exact at this moment, over the communities of your scope: the issuer sees them all, a
    street admin under an issuing district only their street's. Counts in total and per
    street; the lists name the communities."""
    return await service.status(session, directive_id=directive_id, principal=principal)


@router.post(
    "/{directive_id}/acknowledge",
    response_model=UnitRead,
    summary="Sign for a directive (签收)",
    responses=problem_responses(
        {
            403: "Community workers only, for their own community",
            404: "No such directive was sent to your community",
            409: "The directive was withdrawn (`directive-withdrawn`)",
        }
    ),
)
async def acknowledge(
    session: DbSession, principal: CurrentPrincipal, directive_id: uuid.UUID
) -> UnitRead:
    """Your community has received the directive. Signing again changes nothing."""
    return await service.acknowledge(session, directive_id=directive_id, principal=principal)


@router.post(
    "/{directive_id}/complete",
    response_model=UnitRead,
    summary="Report a directive done, with evidence",
    responses=problem_responses(
        {
            403: "Community workers only, for their own community",
            404: "No such directive was sent to your community",
            409: "Not acknowledged yet (sign for it first), already reported done, or the "
            "directive was withdrawn",
            **_FILES,
            422: "No note, a note over 2000 characters, or more than 9 evidence files",
        }
    ),
)
async def complete(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    directive_id: uuid.UUID,
    note: Annotated[str, Form(max_length=20_000, description="What was done (2000 characters)")],
    evidence: Annotated[
        list[UploadFile] | None,
        File(description="Up to 9 files (PDF, JPEG, PNG, WebP; 10 MB each)"),
    ] = None,
) -> UnitRead:
    """A multipart form: `note` and any `evidence` files. After signing for it, once; a report
    after the deadline is accepted and marked `late`."""
    try:
        checked = _note.validate_python(note)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", "note", *error["loc"])} for error in exc.errors()]
        ) from exc
    return await service.complete(
        session,
        files,
        directive_id=directive_id,
        note=checked,
        evidence=evidence or [],
        principal=principal,
    )


@router.get(
    "/{directive_id}/files/{file_id}",
    response_class=StreamingResponse,
    summary="Read an attachment or evidence file",
    responses={
        200: {
            "content": {
                "application/pdf": {},
                "image/jpeg": {},
                "image/png": {},
                "image/webp": {},
            }
        },
        **problem_responses({403: "Staff only", 404: _NOT_FOUND}),
    },
)
async def read_file(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    directive_id: uuid.UUID,
    file_id: uuid.UUID,
) -> StreamingResponse:
    """Attachments for whoever sees the directive; a community's evidence for that community
    and the levels above it."""
    return await service.file_download(
        session, files, directive_id=directive_id, file_id=file_id, principal=principal
    )
