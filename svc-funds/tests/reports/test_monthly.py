"""Monthly reports of a fund: income by source and spending by project, from the ledger, as JSON
and CSV, in fen and yuan; the closing balance is the fund's."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
IncomeFactory = Callable[..., Awaitable[dict[str, Any]]]
SeatFactory = Callable[..., Awaitable[dict[str, Any]]]
DonateFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]


def months() -> tuple[str, str, str]:
    """Last month, this month and next month in Shanghai (YYYY-MM)."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    year, month = now.year, now.month
    last = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    following = f"{year + (month == 12)}-{month % 12 + 1:02d}"
    return last, f"{year}-{month:02d}", following


async def test_a_month_of_income_by_source_and_spending_by_project(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    create_fund: FundFactory,
    receive_income: IncomeFactory,
    seat: SeatFactory,
    donate: DonateFactory,
) -> None:
    fund = await create_fund(quorum=1)
    street = await create_fund(division_code="330108001", name="西兴街道基金", quorum=1)
    await seat(fund, "acct-li")
    await seat(street, "acct-street")
    await receive_income(street, 50_000)
    await receive_income(fund, 18_050, payer="=长者食堂")

    body = {"title": "3幢楼道清理", "summary": "清理", "budget": {"budget_fen": 1_000}}
    project = (
        await client.post(f"/funds/{fund['id']}/projects", json=body, headers=staff())
    ).json()
    await client.post(f"/projects/{project['id']}/approvals", headers=member("acct-li"))
    for amount in (100, 100, 900):
        await donate(f"/projects/{project['id']}/donations", amount)
    await donate(f"/funds/{fund['id']}/donations", 500)

    async def pay(fund_: dict[str, Any], who: str, **fields: Any) -> None:
        filed = await client.post(
            f"/funds/{fund_['id']}/payments",
            json={"purpose": "支出", **fields},
            headers=staff(fund_["division_code"]),
        )
        assert filed.status_code == 201, filed.text
        paid = await client.post(f"/payments/{filed.json()['id']}/approvals", headers=member(who))
        assert paid.json()["status"] == "paid", paid.text

    await pay(fund, "acct-li", amount_fen=1_000, payee="保洁队", project_id=project["id"])
    await pay(fund, "acct-li", amount_fen=250, payee="文具店")
    await pay(street, "acct-street", kind="transfer", to_fund_id=fund["id"], amount_fen=20_000)

    last, this, following = months()
    report = (await client.get(f"/funds/{fund['id']}/reports/{this}")).json()
    income = {(line["source"], line["detail"]): line for line in report["income"]}
    assert {k: (v["entries"], v["amount_fen"]) for k, v in income.items()} == {
        ("donations", "resident"): (1, 500),
        ("income", "=长者食堂"): (1, 18_050),
        ("project_donations", "3幢楼道清理"): (3, 1_100),
        ("transfers_in", "西兴街道基金"): (1, 20_000),
    }
    assert income[("project_donations", "3幢楼道清理")]["project_id"] == project["id"]
    spending = {(line["source"], line["detail"]): line["amount_fen"] for line in report["spending"]}
    assert spending == {
        ("payments", "基金日常支出"): 250,
        ("project_payments", "3幢楼道清理"): 1_000,
    }
    assert (report["opening_balance_fen"], report["income_fen"], report["spending_fen"]) == (
        0,
        39_650,
        1_250,
    )
    balance = (await client.get(f"/funds/{fund['id']}")).json()["balance_fen"]
    assert report["closing_balance_fen"] == balance == 38_400
    assert (report["closing_balance_yuan"], report["income_yuan"]) == ("384.00", "396.50")
    street_report = (await client.get(f"/funds/{street['id']}/reports/{this}")).json()
    assert [(s["source"], s["detail"], s["amount_yuan"]) for s in street_report["spending"]] == [
        ("transfers_out", "东信社区基金", "200.00")
    ]

    exported = await client.get(f"/funds/{fund['id']}/reports/{this}", params={"format": "csv"})
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.text.removeprefix("\ufeff"))))
    assert rows[0] == [
        "section",
        "source",
        "detail",
        "project_id",
        "entries",
        "amount_fen",
        "amount_yuan",
    ]
    assert rows[1] == ["opening_balance", "", "", "", "", "0", "0.00"]
    assert rows[-1] == ["closing_balance", "", "", "", "", "38400", "384.00"]
    assert ["income", "income", "'=长者食堂", "", "1", "18050", "180.50"] in rows

    before = (await client.get(f"/funds/{fund['id']}/reports/{last}")).json()
    assert (before["opening_balance_fen"], before["income"], before["closing_balance_fen"]) == (
        0,
        [],
        0,
    )
    after = (await client.get(f"/funds/{fund['id']}/reports/{following}")).json()
    assert (after["opening_balance_fen"], after["closing_balance_fen"]) == (38_400, 38_400)


async def test_a_bad_month_or_format_is_refused(
    client: httpx.AsyncClient, create_fund: FundFactory
) -> None:
    fund = await create_fund()
    for month in ("2026-13", "2026-1", "２０２６-01", "2026-00", "x" * 200):
        answer = await client.get(f"/funds/{fund['id']}/reports/{month}")
        assert answer.status_code == 422, month
    assert (
        await client.get(f"/funds/{fund['id']}/reports/2026-12", params={"format": "xlsx"})
    ).status_code == 422
    missing = await client.get("/funds/00000000-0000-0000-0000-000000000000/reports/2026-12")
    assert missing.status_code == 404
