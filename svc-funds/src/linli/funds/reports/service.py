"""A fund's monthly report, from its ledger: every cash line of the month grouped by where the
money came from (donations by kind of donor, donations to each project, refunds, each payer of
income, each fund that transferred) or went to (each project, the fund's own payments, each fund
transferred to). Months are Asia/Shanghai calendar months."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from linli.funds.access import any_fund
from linli.funds.committees.service import BUSINESS_TIMEZONE
from linli.funds.ledger.repository import LedgerRepository
from linli.funds.models import AccountKind, EntryKind
from linli.funds.money import yuan
from linli.funds.reports.repository import ReportRepository
from linli.funds.reports.schemas import MonthlyReport, ReportLine

# The fund's own spending, not for a project.
OWN_SPENDING = "基金日常支出"

_Key = tuple[str, str, uuid.UUID | None]


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of `2026-12` and the first day of the month after."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, following


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BUSINESS_TIMEZONE)


async def monthly_report(session: AsyncSession, *, fund_id: uuid.UUID, month: str) -> MonthlyReport:
    fund = await any_fund(session, fund_id)
    first, following = month_bounds(month)
    start, end = _moment(first), _moment(following)
    cash = await LedgerRepository(session).account(fund.id, AccountKind.CASH)
    repository = ReportRepository(session)
    opening = await repository.balance_before(cash.id, start)
    lines = await repository.lines(cash.id, start, end)

    ids: dict[EntryKind, list[uuid.UUID]] = defaultdict(list)
    for _, kind, source_id in lines:
        ids[kind].append(source_id)
    donations = await repository.donations(ids[EntryKind.DONATION] + ids[EntryKind.REFUND])
    incomes = await repository.incomes(ids[EntryKind.INCOME])
    payments = await repository.payments(ids[EntryKind.PAYMENT] + ids[EntryKind.TRANSFER])
    project_ids = {d.project_id for d in donations.values() if d.project_id}
    project_ids |= {p.project_id for p in payments.values() if p.project_id}
    projects = await repository.projects(list(project_ids))
    other_funds = await repository.funds(
        list(
            {p.fund_id for p in payments.values()}
            | {p.to_fund_id for p in payments.values() if p.to_fund_id}
        )
    )

    def title(project_id: uuid.UUID | None) -> str:
        return projects[project_id].title if project_id in projects else OWN_SPENDING

    income: dict[_Key, list[int]] = defaultdict(lambda: [0, 0])
    spending: dict[_Key, list[int]] = defaultdict(lambda: [0, 0])
    for amount, kind, source_id in lines:
        if kind in (EntryKind.DONATION, EntryKind.REFUND):
            donation = donations[source_id]
            if kind is EntryKind.REFUND:
                key: _Key = ("refunds", donation.donor_kind.value, donation.project_id)
            elif donation.project_id is not None:
                key = ("project_donations", title(donation.project_id), donation.project_id)
            else:
                key = ("donations", donation.donor_kind.value, None)
            target = income
        elif kind is EntryKind.INCOME:
            key, target = ("income", incomes[source_id].payer, None), income
        elif kind is EntryKind.TRANSFER and amount > 0:
            sender = other_funds[payments[source_id].fund_id]
            key, target = ("transfers_in", sender.name, None), income
        elif kind is EntryKind.TRANSFER:
            to_fund_id = payments[source_id].to_fund_id
            assert to_fund_id is not None
            key, target = ("transfers_out", other_funds[to_fund_id].name, None), spending
        elif kind is EntryKind.PAYMENT:
            project_id = payments[source_id].project_id
            source = "project_payments" if project_id else "payments"
            key, target = (source, title(project_id), project_id), spending
        else:  # a reversal of any other entry: shown as what it corrects, in or out
            key, target = ("corrections", kind.value, None), income
        sign = -1 if target is spending else 1
        target[key][0] += 1
        target[key][1] += sign * amount

    def report_lines(groups: dict[_Key, list[int]]) -> list[ReportLine]:
        return [
            ReportLine(
                source=source,
                detail=detail,
                project_id=project_id,
                entries=count,
                amount_fen=total,
                amount_yuan=yuan(total),
            )
            for (source, detail, project_id), (count, total) in sorted(
                groups.items(), key=lambda item: (item[0][0], item[0][1], str(item[0][2]))
            )
        ]

    income_fen = sum(total for _, total in income.values())
    spending_fen = sum(total for _, total in spending.values())
    closing = opening + income_fen - spending_fen
    return MonthlyReport(
        fund_id=fund.id,
        fund_name=fund.name,
        division_code=fund.division_code,
        month=month,
        period_start=first,
        period_end=following - timedelta(days=1),
        opening_balance_fen=opening,
        opening_balance_yuan=yuan(opening),
        income=report_lines(income),
        income_fen=income_fen,
        income_yuan=yuan(income_fen),
        spending=report_lines(spending),
        spending_fen=spending_fen,
        spending_yuan=yuan(spending_fen),
        closing_balance_fen=closing,
        closing_balance_yuan=yuan(closing),
    )


CSV_HEADER = ("section", "source", "detail", "project_id", "entries", "amount_fen", "amount_yuan")


def as_csv(report: MonthlyReport) -> str:
    """The report as CSV (RFC 4180 through the stdlib): the opening balance, each income and
    spending line, the totals and the closing balance, one row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)

    def total(section: str, fen: int) -> None:
        writer.writerow((section, "", "", "", "", fen, yuan(fen)))

    total("opening_balance", report.opening_balance_fen)
    for section, lines in (("income", report.income), ("spending", report.spending)):
        for line in lines:
            writer.writerow(
                (
                    section,
                    line.source,
                    # A cell starting with = + - @ is a formula to a spreadsheet: never run it.
                    "'" + line.detail if line.detail[:1] in "=+-@" else line.detail,
                    line.project_id or "",
                    line.entries,
                    line.amount_fen,
                    line.amount_yuan,
                )
            )
    total("income_total", report.income_fen)
    total("spending_total", report.spending_fen)
    total("closing_balance", report.closing_balance_fen)
    return out.getvalue()
