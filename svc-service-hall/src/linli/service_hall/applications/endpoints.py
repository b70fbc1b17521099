"""HTTP API of applications: `/applications`, their steps, materials and files, and `/filings`."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import StringConstraints

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.files import Files, file_response
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.applications import service
from linli.service_hall.applications.errors import ApplicationNotFound, UnknownMaterial
from linli.service_hall.applications.machine import Action
from linli.service_hall.applications.schemas import (
    ApplicationDetail,
    ApplicationRead,
    FilingRead,
    MaterialRead,
    NoteIn,
    ReasonIn,
    ReturnIn,
)
from linli.service_hall.applications.service import Upload
from linli.service_hall.catalogue.schemas import MATERIAL_CODE_PATTERN
from linli.service_hall.config import HallSettings
from linli.service_hall.models import ApplicationStatus, Channel

router = APIRouter(tags=["applications"], route_class=IdempotentRoute)

MaterialCode = Annotated[str, StringConstraints(pattern=MATERIAL_CODE_PATTERN)]
_NOT_FOUND = "No such application, or not one you may see"
_UPLOAD = {
    413: "A file over the size limit (the problem names `max_bytes`)",
    415: "A file whose content is not of a type the material accepts (names `found` and "
    "`accepted`)",
}
_MOVE = {
    403: "Only hall staff of the application's community take this step",
    404: _NOT_FOUND,
    409: "The state does not allow it: the problem names `state` and the `allowed` moves",
    422: "Invalid body",
}


@router.post(
    "/applications",
    response_model=FilingRead,
    status_code=201,
    summary="File an application (one item, or a 一件事 bundle)",
    responses=problem_responses(
        {
            **_UPLOAD,
            403: "Your role does not file, or the resident lies outside your scope",
            404: "No such item or bundle",
            422: "Not offered in the resident's community or through this channel, a required "
            "material missing (`missing`), an unknown material, an empty or path-like file name",
        }
    ),
)
async def file_application(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    settings: HallSettings,
    item_id: Annotated[uuid.UUID | None, Form(description="The item; or give `bundle_id`")] = None,
    bundle_id: Annotated[uuid.UUID | None, Form(description="A 一件事 bundle")] = None,
    channel: Annotated[Channel, Form()] = Channel.ONLINE,
    resident_id: Annotated[
        uuid.UUID | None, Form(description="Workers: the resident filed for")
    ] = None,
    material_codes: Annotated[
        list[MaterialCode], Form(description="The material code of each file, in order")
    ] = [],  # noqa: B006  # FastAPI copies defaults per request
    material_files: Annotated[
        list[UploadFile], File(description="One file per material code")
    ] = [],  # noqa: B006
    received_on: Annotated[
        date | None,
        Form(
            description="Workers entering a paper application received earlier (补录, up to 60 "
            "days back): its clock starts that day"
        ),
    ] = None,
    service_point_id: Annotated[
        uuid.UUID | None, Form(description="The hall it is filed at (it must serve the resident)")
    ] = None,
) -> FilingRead:
    """Residents file for themselves online (or by appointment); workers at the counter, at home
    or on the grid round for a resident of their scope. Every material the items ask for is
    uploaded once, even when several items of a bundle ask for it; the file's type is read from
    its content. Each item gets an application on its current version, due after its promised
    working days (China's official calendar, 调休 included)."""
    if len(material_codes) != len(material_files):
        raise UnknownMaterial(
            "body.material_codes",
            "give one material code per file, in the same order",
            "每个文件对应一个材料代码",
        )
    uploads = [Upload(code, f) for code, f in zip(material_codes, material_files, strict=True)]
    return await service.file(
        session,
        files,
        principal=principal,
        item_id=item_id,
        bundle_id=bundle_id,
        channel=channel,
        resident_id=resident_id,
        uploads=uploads,
        max_bytes=settings.materials_max_bytes,
        received_on=received_on,
        service_point_id=service_point_id,
    )


@router.get(
    "/applications",
    response_model=Page[ApplicationRead],
    summary="List applications",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_applications(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    status: Annotated[ApplicationStatus | None, Query(description="Only in this state")] = None,
    overdue: Annotated[bool | None, Query(description="Only overdue (true) or not (false)")] = None,
    supervised: Annotated[
        bool,
        Query(
            description="Staff: by the item's owning division instead of the community (the "
            "supervisor's view, with `overdue=true` its escalations)"
        ),
    ] = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ApplicationRead]:
    """Newest first. Residents: their own applications; staff: their scope's."""
    return await service.list_applications(
        session,
        principal=principal,
        division=division,
        status=status,
        overdue=overdue,
        supervised=supervised,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationDetail,
    summary="Read an application, its clock and timeline",
    responses=problem_responses({404: _NOT_FOUND}),
)
async def read(
    session: DbSession, principal: CurrentPrincipal, application_id: uuid.UUID
) -> ApplicationDetail:
    """Every step so far, the working days used, paused and left, the due date, and the files."""
    return await service.detail(session, principal=principal, application_id=application_id)


async def _step(
    session: DbSession,
    principal: CurrentPrincipal,
    application_id: uuid.UUID,
    action: Action,
    note: str | None,
) -> ApplicationRead:
    return await service.step(
        session, principal=principal, application_id=application_id, action=action, note=note
    )


@router.post(
    "/applications/{application_id}/accept",
    response_model=ApplicationRead,
    summary="Accept an application (受理)",
    responses=problem_responses(_MOVE),
)
async def accept(
    session: DbSession, principal: CurrentPrincipal, application_id: uuid.UUID, body: NoteIn
) -> ApplicationRead:
    return await _step(session, principal, application_id, Action.ACCEPT, body.note)


@router.post(
    "/applications/{application_id}/start",
    response_model=ApplicationRead,
    summary="Start work on an application (办理中)",
    responses=problem_responses(_MOVE),
)
async def start(
    session: DbSession, principal: CurrentPrincipal, application_id: uuid.UUID, body: NoteIn
) -> ApplicationRead:
    return await _step(session, principal, application_id, Action.START, body.note)


@router.post(
    "/applications/{application_id}/complete",
    response_model=ApplicationRead,
    summary="Complete an application (办结)",
    responses=problem_responses(_MOVE),
)
async def complete(
    session: DbSession, principal: CurrentPrincipal, application_id: uuid.UUID, body: NoteIn
) -> ApplicationRead:
    """Its clock stops; a bundle completes with its last item."""
    return await _step(session, principal, application_id, Action.COMPLETE, body.note)


@router.post(
    "/applications/{application_id}/reject",
    response_model=ApplicationRead,
    summary="Reject an application (不予受理/不予办理)",
    responses=problem_responses(_MOVE),
)
async def reject(
    session: DbSession, principal: CurrentPrincipal, application_id: uuid.UUID, body: ReasonIn
) -> ApplicationRead:
    return await _step(session, principal, application_id, Action.REJECT, body.note)


@router.post(
    "/applications/{application_id}/return",
    response_model=ApplicationRead,
    summary="Return an application for materials (补正)",
    responses=problem_responses(_MOVE),
)
async def return_for_materials(
    session: DbSession, principal: CurrentPrincipal, application_id: uuid.UUID, body: ReturnIn
) -> ApplicationRead:
    """Only this item is returned (other items of a bundle go on); its clock pauses until the
    applicant uploads the materials named and resubmits."""
    return await service.step(
        session,
        principal=principal,
        application_id=application_id,
        action=Action.RETURN,
        returned=body,
    )


@router.post(
    "/applications/{application_id}/resubmit",
    response_model=ApplicationRead,
    summary="Resubmit a returned application",
    responses=problem_responses(
        {**_MOVE, 422: "A material asked for has no file uploaded since (`missing`)"}
    ),
)
async def resubmit(
    session: DbSession, principal: CurrentPrincipal, application_id: uuid.UUID
) -> ApplicationRead:
    """The clock resumes where it stood; the due date moves by the working days it was paused."""
    return await service.resubmit(session, principal=principal, application_id=application_id)


@router.post(
    "/applications/{application_id}/materials",
    response_model=MaterialRead,
    status_code=201,
    summary="Upload a material file",
    responses=problem_responses(
        {
            **_UPLOAD,
            404: _NOT_FOUND,
            409: "The application is decided",
            422: "A material the item does not ask for, an empty or path-like file name",
        }
    ),
)
async def upload_material(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    settings: HallSettings,
    application_id: uuid.UUID,
    material_code: Annotated[MaterialCode, Form()],
    material_file: Annotated[UploadFile, File()],
) -> MaterialRead:
    """A new file for one of the item's materials (what it was returned for); it replaces the
    earlier file of that material for every item of the filing."""
    material = await service.upload_material(
        session,
        files,
        principal=principal,
        application_id=application_id,
        upload=Upload(material_code, material_file),
        max_bytes=settings.materials_max_bytes,
    )
    return MaterialRead.model_validate(material)


@router.get(
    "/applications/{application_id}/materials/{file_id}",
    summary="Download a material file",
    response_class=StreamingResponse,
    responses=problem_responses({404: "No such file, or not one you may see"}),
)
async def download_material(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    application_id: uuid.UUID,
    file_id: uuid.UUID,
) -> StreamingResponse:
    """The applicant and hall staff of the community only."""
    application = await service.visible(session, principal, application_id)
    material = await service.material_file(session, principal=principal, file_id=file_id)
    if material.filing_id != application.filing_id:
        raise ApplicationNotFound("no such file")
    return await file_response(
        files, material.key, content_type=material.content_type, filename=material.name
    )


@router.get(
    "/filings/{filing_id}",
    response_model=FilingRead,
    summary="Read a filing (a bundle's progress)",
    responses=problem_responses({404: "No such filing, or not one you may see"}),
)
async def read_filing(
    session: DbSession, principal: CurrentPrincipal, filing_id: uuid.UUID
) -> FilingRead:
    """Every application of the filing, and `held_up_by`: the items not completed yet."""
    return await service.filing_view(session, principal=principal, filing_id=filing_id)
