"""HTTP of the division tree: import a CSV, browse the tree, delete an empty division."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.datastructures import UploadFile

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbReadSession, DbSession
from linli.common.divisions import DivisionCodeStr
from linli.common.errors import FieldError, InvalidInput
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from linli.residents.config import AppSettings
from linli.residents.divisions import service
from linli.residents.divisions.errors import DivisionFileMediaType, DivisionFileTooLarge
from linli.residents.divisions.schemas import DivisionImportResult, DivisionRead

router = APIRouter(prefix="/divisions", tags=["divisions"], route_class=IdempotentRoute)

_CSV_EXAMPLE = "code,name\n3301,杭州市\n330108,滨江区\n330108001,西兴街道\n330108001001,东信社区\n"
_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/import",
    response_model=DivisionImportResult,
    openapi_extra=_IMPORT_BODY,
    responses=problem_responses(
        {
            403: "Your role may not import, or a row lies outside your scope (`rows` lists them)",
            413: "The file is too large",
            415: "Not text/csv nor a multipart upload",
            422: "Invalid rows (`rows` lists each with its line and reasons), an unreadable "
            "file, or an Idempotency-Key reused with another file",
        }
    ),
)
async def import_divisions(
    request: Request, session: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> DivisionImportResult:
    """Import divisions (区划) from a CSV of `code,name` rows, UTF-8 with a header line.

    Send the file as the raw body with `Content-Type: text/csv`, or as a multipart upload in the
    field `file`. Codes have 4 (city), 6 (district), 9 (street) or 12 (community) digits; each
    row's parent must be in the file or already imported. Existing codes get the new name.

    For city, district and street admins (and ops) whose scope covers every row: one row outside
    it refuses the whole file (403). Any invalid row refuses the whole file (422, `rows` lists
    every bad row with its line number and reasons); nothing is stored unless every row is good.
    """
    content = await _csv_content(request, max_bytes=settings.division_import_max_bytes)
    return await service.import_divisions(session, principal=principal, content=content)


async def _csv_content(request: Request, *, max_bytes: int) -> bytes:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length")
    if (
        declared is not None
        and declared.isascii()
        and declared.isdigit()
        and int(declared) > max_bytes
    ):
        raise DivisionFileTooLarge(f"the file may have at most {max_bytes} bytes")
    if media_type in ("text/csv", "application/csv"):
        content = await request.body()
    elif media_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10, max_part_size=max_bytes)
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            content = await upload.read()
        elif isinstance(upload, str):
            content = upload.encode()
        else:
            raise InvalidInput(
                "the multipart upload has no field `file`",
                errors=[FieldError("body.file", "missing", "Field required", "必填")],
            )
    else:
        raise DivisionFileMediaType("send the CSV as text/csv or as multipart/form-data `file`")
    if len(content) > max_bytes:
        raise DivisionFileTooLarge(f"the file may have at most {max_bytes} bytes")
    return content


@router.get(
    "",
    response_model=Page[DivisionRead],
    responses=problem_responses(
        {
            403: "Not staff, or `parent` lies outside your scope",
            404: "`parent` does not exist",
            422: "`parent` is not a division code, or the cursor is not one we gave",
        }
    ),
)
async def list_divisions(
    session: DbSession,
    principal: CurrentPrincipal,
    parent: Annotated[
        DivisionCodeStr | None,
        Query(description="List the children of this unit; omit for the top of your own scope"),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[DivisionRead]:
    """Browse the division tree, ordered by code.

    Without `parent`, the list starts at your own scope (a city admin sees its city); with it,
    the units directly below `parent`. For staff; a `parent` outside your scope is refused (403).
    """
    return await service.list_divisions(
        session, principal=principal, parent=parent, cursor=cursor, limit=limit
    )


@router.get(
    "/{code}",
    response_model=DivisionRead,
    responses=problem_responses({403: "Not staff", 404: "No such division within your scope"}),
)
async def get_division(
    session: DbReadSession,
    principal: CurrentPrincipal,
    code: Annotated[DivisionCodeStr, Path(description="4, 6, 9 or 12-digit division code")],
) -> DivisionRead:
    """One division by its code; a code outside your scope answers 404, like one that does not exist."""
    return await service.get_division(session, principal=principal, code=code)


@router.delete(
    "/{code}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(
        {
            403: "Your role may not change the tree, or the code is your own scope's unit",
            404: "No such division within your scope",
            409: "The division still has units below it or records in it (`held_by` names them)",
        }
    ),
)
async def delete_division(
    session: DbSession,
    principal: CurrentPrincipal,
    code: Annotated[DivisionCodeStr, Path(description="4, 6, 9 or 12-digit division code")],
) -> Response:
    """Delete a division imported by mistake (a wrong code, a community merged before it was
    used). Only an empty one: no units below it, and no place, household, resident,
    registration, change request or move in it. For city, district and street admins (and ops),
    on units below their own scope. Renaming is an import of the same code with the new name."""
    await service.delete_division(session, principal=principal, code=code)
    return Response(status_code=204)
