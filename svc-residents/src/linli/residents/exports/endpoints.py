"""HTTP of the export: a division's residents as a streamed CSV."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.dependencies import Cipher, RequestId
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DivisionFilter
from linli.residents.exports import service

router = APIRouter(prefix="/exports", tags=["exports"], route_class=IdempotentRoute)


@router.get(
    "/residents.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "One line per live resident"},
        **problem_responses(
            {
                403: "Not staff of the registry, `division` outside your scope, or "
                "`reveal=true` by someone other than a community worker",
                422: "`reveal=true` without a `purpose`, or `division` is not a division code",
            }
        ),
    },
)
async def export_residents(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    cipher: Cipher,
    request_id: RequestId,
    division: DivisionFilter = None,
    reveal: Annotated[
        bool,
        Query(
            description="Community workers only: clear ID numbers and phones. The export is "
            "recorded in the audit log with its purpose and number of rows."
        ),
    ] = False,
    purpose: Annotated[
        str | None, Query(max_length=255, description="Why; required with reveal=true")
    ] = None,
) -> StreamingResponse:
    """Export the live residents of a division as CSV (UTF-8 with BOM, opens in Excel), streamed
    in (community, id) order. The columns are the import's (`community_code`, `court`,
    `building`, `unit`, `room`, `name`, `id_number`, `phone`, `relation_to_head`, `tags`) then
    `sex`, `birth_date`, `resident_id`, `household_id`. ID numbers and phones are masked unless
    `reveal=true`. A grid worker exports their own grids' residents.

    Only a revealed export imports elsewhere as it is (`POST /imports/residents` ignores the
    registry's own columns): a masked one holds masked ID numbers (`330***********1234`), which
    no import can take, so each of its rows would be reported `id_number_invalid`."""
    plan = await service.plan_export(
        session, principal=principal, division=division, reveal=reveal, purpose=purpose
    )
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker

    async def body() -> AsyncIterator[str]:
        async with sessionmaker() as stream_session:
            if plan.reveal:
                # One snapshot for the count and the rows: the audit names exactly what left.
                await stream_session.connection(
                    execution_options={"isolation_level": "REPEATABLE READ"}
                )
                count = await service.count_rows(stream_session, plan=plan)
                async with sessionmaker.begin() as audit_session:
                    await service.audit_export(
                        audit_session, plan=plan, count=count, request_id=request_id
                    )
            rows = service.export_rows(stream_session, plan=plan, cipher=cipher)
            async for chunk in service.csv_chunks(rows):
                yield chunk

    name = f"residents-{plan.division}{'-revealed' if plan.reveal else ''}.csv"
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
