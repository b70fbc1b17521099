"""HTTP of the statistics report, its XLSX export, the peers' comparison and a resident's facts."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.divisions import DivisionCodeStr
from linli.common.openapi import problem_responses
from linli.gateway.openapi import GATEWAY_ANSWERS
from linli.gateway.stats import service, xlsx
from linli.gateway.stats.repository import subjects_of
from linli.gateway.stats.schemas import PeerReport, ResidentFacts, StatsReport
from linli.gateway.stats.upstream import Upstreams

# The gateway's limits apply here as on every `/api` call.
router = APIRouter(
    tags=["statistics"],
    responses={int(s): GATEWAY_ANSWERS[s] for s in ("429", "431")},
)

DivisionPath = Annotated[
    DivisionCodeStr,
    Path(description="A community (12 digits), street (9), district (6) or city (4)"),
]
_REPORT_REFUSALS = problem_responses(
    {
        403: "Not staff of a level (or an auditor), or the division lies outside your scope",
        404: "svc-residents knows no such division",
        422: "Not a 4, 6, 9 or 12-digit division code, or an unknown `format`",
    }
)
_XLSX: dict[int | str, dict[str, Any]] = {
    200: {"content": {xlsx.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
}


def _xlsx_response(report: StatsReport) -> Response:
    return Response(
        xlsx.workbook(report),
        media_type=xlsx.MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="stats-{report.division.code}.xlsx"',
            "X-Linli-Partial": "true" if report.partial else "false",
        },
    )


@router.get(
    "/api/stats/{division_code}.xlsx",
    response_class=Response,
    responses={**_XLSX, **_REPORT_REFUSALS},
    summary="The statistics report as XLSX",
)
async def report_xlsx(
    request: Request, principal: CurrentPrincipal, division_code: DivisionPath
) -> Response:
    """The report below as a workbook: one row per unit (the division first, as 合计), one column
    per figure headed by its source, a `missing` column per row, and the partial marker on top;
    a second sheet names each source's endpoint. `X-Linli-Partial` says the same."""
    report = await service.report(Upstreams.of(request), principal=principal, code=division_code)
    return _xlsx_response(report)


@router.get(
    "/api/stats/{division_code}",
    response_model=StatsReport,
    responses={**_XLSX, **_REPORT_REFUSALS},
    summary="Statistics of a division and each unit below it (一表通)",
)
async def report(
    request: Request,
    principal: CurrentPrincipal,
    division_code: DivisionPath,
    format: Annotated[Literal["json", "xlsx"], Query(description="`xlsx`: as a workbook")] = "json",
) -> StatsReport | Response:
    """One report for the division and for each unit one level below it: population and
    households (svc-residents), incidents (svc-grid), applications and SLA breaches
    (svc-service-hall), fund balances and the month's flows (svc-funds), coop work and income
    (svc-jobs-coop), each counted by the service that owns it, asked at once with your token.

    A service that is down, fails or does not answer within the gateway's limit leaves its
    section `unavailable` with the reason, and the report says `partial: true` and lists it in
    `missing`; one whose own check refuses you leaves it `refused`."""
    built = await service.report(Upstreams.of(request), principal=principal, code=division_code)
    return _xlsx_response(built) if format == "xlsx" else built


@router.get(
    "/api/stats/{division_code}/peers",
    response_model=PeerReport,
    responses=problem_responses(
        {
            403: "Not staff of a level (or an auditor), or the division lies outside your scope",
            404: "svc-residents knows no such division",
            422: "Not a 4, 6, 9 or 12-digit division code",
        }
    ),
    summary="A division's figures next to its street's and district's averages",
)
async def peer_report(
    request: Request, principal: CurrentPrincipal, division_code: DivisionPath
) -> PeerReport:
    """Data down: your unit's figures next to the mean per unit of its kind in its street and
    district (a community: per community; a street: per street of its district). The means are
    computed by the gateway from the street's and district's own reports; nothing but the means
    comes down."""
    return await service.peers(
        Upstreams.of(request),
        request.app.state.auth_policy.signer,
        principal=principal,
        code=division_code,
    )


@router.get(
    "/api/facts/residents/{resident_id}",
    response_model=ResidentFacts,
    responses=problem_responses({403: "Not staff of a level", 422: "`resident_id` is not a UUID"}),
    summary="What the services hold of one resident",
)
async def resident_facts(
    request: Request, session: DbSession, principal: CurrentPrincipal, resident_id: uuid.UUID
) -> ResidentFacts:
    """For a community worker before a visit: the resident's open applications (svc-service-hall),
    the open incidents they reported (svc-grid) and their place in the labour pool (svc-jobs-coop),
    each asked of its service with your token, so each shows only what your scope holds; a part
    whose service is down is `unavailable`, one outside your scope `refused`."""
    subjects = await subjects_of(session, resident_id)
    return await service.facts(
        Upstreams.of(request), principal=principal, resident_id=resident_id, subjects=subjects
    )
