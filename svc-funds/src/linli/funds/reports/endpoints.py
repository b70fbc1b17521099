"""HTTP of monthly reports: public, as JSON or CSV."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.funds.caching import PUBLIC, FundsRoute
from linli.funds.reports import service
from linli.funds.reports.schemas import Month, MonthlyReport

router = APIRouter(tags=["reports"], route_class=FundsRoute)


@router.get(
    "/funds/{fund_id}/reports/{month}",
    response_model=MonthlyReport,
    responses={
        200: {"content": {"text/csv": {}}},
        **problem_responses(
            {404: "No such fund", 422: "The month is not YYYY-MM, or the format unknown"},
            authenticated=False,
        ),
    },
    openapi_extra=PUBLIC,
)
async def monthly_report(
    session: DbSession,
    fund_id: uuid.UUID,
    month: Annotated[Month, Path(examples=["2026-12"])],
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> MonthlyReport | Response:
    """The fund's month (Asia/Shanghai): opening balance, income by source, spending by project,
    closing balance, in fen and yuan; `format=csv` for a spreadsheet (UTF-8 with a BOM, which
    Excel needs to read Chinese). Public."""
    report = await service.monthly_report(session, fund_id=fund_id, month=month)
    if format == "json":
        return report
    return Response(
        "\ufeff" + service.as_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="fund-{report.fund_id}-{month}.csv"'
        },
    )
