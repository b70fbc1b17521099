"""HTTP of bulk import: upload a file (202 and a job), poll the job, download its report."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.divisions import DivisionCodeStr
from linli.common.errors import FieldError, InvalidInput
from linli.common.forwarded import public_path
from linli.common.idempotency import IDEMPOTENCY_HEADER, MAX_KEY_LENGTH, IdempotentRoute
from linli.common.inputs import contains_nul
from linli.common.openapi import problem_responses
from linli.residents.config import AppSettings, Settings
from linli.residents.imports import service
from linli.residents.imports.errors import ImportFileMissing, ImportFileNameInvalid, ImportMediaType
from linli.residents.imports.files import ReadLimits, SpooledFile, file_chunks, spool
from linli.residents.imports.runner import ImportRunner
from linli.residents.imports.schemas import ImportJobRead

router = APIRouter(prefix="/imports", tags=["imports"], route_class=IdempotentRoute)

_CSV_EXAMPLE = (
    "community_code,court,building,unit,room,name,id_number,phone,relation_to_head,tags\n"
    "330108001001,东信花苑,3幢,2单元,501,张三,330108199003071239,13812345678,head,party_member\n"
    "330108001001,东信花苑,3幢,2单元,501,李梅,330108199205120028,,spouse,\n"
)
MAX_FILENAME = 255  # import_jobs.filename
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILE_TYPES = ("text/csv", "application/csv", "text/plain", _XLSX, "application/octet-stream")
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
            _XLSX: {"schema": {"type": "string", "format": "binary"}},
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


def _runner(request: Request) -> ImportRunner:
    runner: ImportRunner = request.app.state.import_runner
    return runner


async def import_residents(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    division: Annotated[
        DivisionCodeStr | None,
        Query(
            description="The division the file covers (your scope, or a division below it); "
            "every row's community must lie in it. Defaults to your scope; outside it: 403."
        ),
    ] = None,
) -> JSONResponse:
    """Import households and residents (批量导入) from a CSV or XLSX file; answers 202 at once
    with the import job, which runs in the background: poll `GET /imports/{id}`.

    Send the file as the raw body (`Content-Type: text/csv`, or the XLSX type) or as a multipart
    upload in the field `file`. CSV is UTF-8 (a BOM is fine) with a header row; XLSX is read from
    its first sheet. Columns (English or Chinese headers): `community_code` (社区代码),
    `building` (楼栋), `unit` (单元), `room` (房号), `name` (姓名), `id_number` (身份证号),
    `relation_to_head` (与户主关系: `head`, `spouse`, … or 户主, 配偶 …), and optionally `phone`
    (手机号), `tags` (标签, stored tags separated by `;`) and `court` (小区, given to buildings
    the import creates).

    Limits, refused with 413 at upload before any row is read: the file's size; an XLSX's
    inflated size and compression ratio (from the archive's directory, nothing inflated); its
    rows (`import_max_rows`, 300,000 by default: counted in the first sheet's XML as it
    inflates, or in the CSV's lines); a workbook text longer than a cell may be
    (`import_max_cell_chars`, 1,000 characters). While the job reads the file, a row past the
    limit or a cell too long ends it `rejected` with that one problem, before any row is checked.

    All or nothing: every row is checked first (ID number check character and birth date,
    mobile number, community in the import's division, relation, tags, a person already in the
    registry or twice in the file). If any row is bad, nothing is stored, the job ends
    `rejected` and `GET /imports/{id}/report.csv` lists every bad row and why. Otherwise every
    row is stored in one transaction: buildings, units and dwellings created where missing, one
    household per dwelling (an existing household is joined), and the same events as when a
    worker enters them. For community workers, and street, district and city admins.

    Send an `Idempotency-Key` header: a retry with the same key and file gets the first job.
    """
    scope = service.import_scope(principal, division)
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    file = await _spool_upload(request, settings)
    try:
        job, new = await service.open_job(
            session, principal=principal, scope=scope, file=file, idempotency_key=key
        )
    except BaseException:
        file.remove()
        raise
    read = ImportJobRead.from_model(job, root_path=public_path(request, ""))
    location = public_path(request, f"/imports/{job.id}")
    if not new:
        file.remove()
        return JSONResponse(
            read.model_dump(mode="json"),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Idempotent-Replayed": "true", "Location": location},
        )
    runner = _runner(request)
    # Started once the response is on its way, which is after the job row committed.
    return JSONResponse(
        read.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": location},
        background=BackgroundTask(runner.start, job.id, file),
    )


# The kernel's Idempotency-Key claim fingerprints the whole body in memory; an import is
# deduplicated by its job instead (the key and the file's SHA-256, computed while spooling).
router.add_api_route(
    "/residents",
    import_residents,
    methods=["POST"],
    route_class_override=APIRoute,
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobRead,
    openapi_extra=_UPLOAD_BODY,
    responses=problem_responses(
        {
            403: "Your role may not import, or `division` lies outside your scope",
            413: "The file is larger than the service accepts, has more rows than one import "
            "holds, or is a workbook that would inflate past the limits or far more than a "
            "spreadsheet does",
            415: "Neither a file body (CSV or XLSX) nor a multipart upload",
            422: "No file, a file name with a NUL character, `division` is no division code, or "
            "an Idempotency-Key reused with another file",
        }
    ),
)


def _filename(upload: UploadFile) -> str | None:
    """The multipart part's file name, as the job shows it: 422 for a NUL (no text column holds
    one), the end kept of a name too long for the column (the extension says the most)."""
    name = upload.filename
    if name is None:
        return None
    if contains_nul(name):
        raise ImportFileNameInvalid(
            "the file name contains the NUL character (U+0000)",
            errors=[
                FieldError(
                    "body.file",
                    "nul_character",
                    "the file name must not contain the NUL character (U+0000)",
                    "文件名不能包含空字符（U+0000）",
                )
            ],
        )
    return name if len(name) <= MAX_FILENAME else "…" + name[-(MAX_FILENAME - 1) :]


async def _spool_upload(request: Request, settings: Settings) -> SpooledFile:
    max_bytes, directory = settings.import_max_bytes, settings.import_spool_dir
    limits = ReadLimits(
        max_rows=settings.import_max_rows,
        max_cell_chars=settings.import_max_cell_chars,
        max_inflated_bytes=settings.import_max_inflated_bytes,
        max_compression_ratio=settings.import_max_compression_ratio,
    )
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        # Starlette spools each file part to a temporary file as the body streams in.
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ImportFileMissing(
                "the multipart upload has no file in the field `file`",
                errors=[FieldError("body.file", "missing", "Field required", "必填")],
            )
        file = await spool(
            file_chunks(upload.file),
            directory=directory,
            max_bytes=max_bytes,
            filename=_filename(upload),
            limits=limits,
        )
    elif media_type in _FILE_TYPES:
        file = await spool(
            request.stream(), directory=directory, max_bytes=max_bytes, limits=limits
        )
    else:
        raise ImportMediaType(
            "send the file as text/csv, as XLSX, or as multipart/form-data `file`"
        )
    if file.size == 0:
        file.remove()
        raise ImportFileMissing("the file is empty")
    return file


@router.get(
    "/{import_id:uuid}",
    response_model=ImportJobRead,
    responses=problem_responses(
        {403: "Your role may not import", 404: "No such import within your scope"}
    ),
)
async def get_import(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    import_id: uuid.UUID,
) -> ImportJobRead:
    """An import's status and progress (`rows_validated`, then `rows_stored`, of `rows_total`).
    Poll until `status` is `completed`, `rejected` (see `report_url`) or `failed`."""
    job = await service.get_job(
        session,
        principal=principal,
        job_id=import_id,
        stale_after=timedelta(seconds=settings.import_stale_after_s),
    )
    return ImportJobRead.from_model(job, root_path=public_path(request, ""))


@router.get(
    "/{import_id:uuid}/report.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "Every bad row and why"},
        **problem_responses(
            {
                403: "Your role may not import",
                404: "No such import within your scope",
                409: "The import was not rejected: it has no report",
            }
        ),
    },
)
async def import_report(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    import_id: uuid.UUID,
) -> StreamingResponse:
    """The report of a rejected import, as CSV (UTF-8 with BOM, opens in Excel): one line per
    problem with `row` (as the spreadsheet numbers it, the header is row 1), `column`, `value`
    (ID numbers and phones masked), `code`, and the reason in Chinese and English."""
    job = await service.get_job(
        session,
        principal=principal,
        job_id=import_id,
        stale_after=timedelta(seconds=settings.import_stale_after_s),
    )
    service.require_report(job)
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker

    async def body() -> AsyncIterator[str]:
        async with sessionmaker() as stream_session:
            async for chunk in service.report_csv(stream_session, job_id=job.id):
                yield chunk

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}-report.csv"'},
    )
