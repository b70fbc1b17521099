"""Receipts of donations: numbered 1, 2, 3… per fund and year without gaps, and a printable page.

A number is taken when the donation is posted, in the same transaction: the counter row's
UPDATE lock is held until that transaction ends, so concurrent postings take consecutive numbers,
and one that rolls back gives its number back with everything else it did.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.funds.committees.service import BUSINESS_TIMEZONE
from linli.funds.models import Donation, DonationStatus, Fund, ReceiptCounter
from linli.funds.money import yuan

_TEMPLATES = Environment(
    loader=PackageLoader("linli.funds.donations", "templates"),
    autoescape=select_autoescape(["html", "jinja"], default=True),
    undefined=StrictUndefined,
)


def receipt_no(year: int | None, number: int | None) -> str | None:
    """`2026-000042`, or None before the donation is posted."""
    return None if year is None or number is None else f"{year}-{number:06d}"


async def take_number(
    session: AsyncSession, fund_id: uuid.UUID, moment: datetime
) -> tuple[int, int]:
    """The next receipt number of the fund's year (in Asia/Shanghai) of `moment`."""
    year = moment.astimezone(BUSINESS_TIMEZONE).year
    statement = (
        insert(ReceiptCounter)
        .values(fund_id=fund_id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[ReceiptCounter.fund_id, ReceiptCounter.year],
            set_={"last_number": ReceiptCounter.last_number + 1},
        )
        .returning(ReceiptCounter.last_number)
    )
    number = (await session.execute(statement)).scalar_one()
    return year, number


def _local(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(BUSINESS_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def render(donation: Donation, fund: Fund, *, project_title: str | None) -> str:
    """The receipt as a printable HTML page (the browser prints it or saves it as PDF)."""
    return _TEMPLATES.get_template("receipt.html.jinja").render(
        receipt_no=receipt_no(donation.receipt_year, donation.receipt_number),
        fund_id=fund.id,
        fund_name=fund.name,
        division_code=fund.division_code,
        project_title=project_title,
        donor_name=donation.donor_name,
        anonymous=donation.anonymous,
        amount_yuan=yuan(donation.amount_fen),
        received_at=_local(donation.received_at),
        refunded=donation.status is DonationStatus.REFUNDED,
        refunded_at=_local(donation.refunded_at),
        provider=donation.provider,
        provider_ref=donation.provider_ref,
        entry_id=donation.entry_id,
    )
