"""Business rules of committees: staff seat members for a term; a member decides only while
their term runs (days in Asia/Shanghai)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.errors import InvalidInput
from linli.funds.access import any_fund, managed_fund
from linli.funds.audit import service as audit
from linli.funds.committees.errors import (
    AlreadyMember,
    CommitteeTooSmall,
    MemberNotFound,
    NotACommitteeMember,
    TermNotRunning,
)
from linli.funds.committees.events import CommitteeMemberAppointed, CommitteeMemberTermChanged
from linli.funds.committees.repository import CommitteeRepository
from linli.funds.committees.schemas import MemberCreate, MemberRead, TermUpdate
from linli.funds.funds.events import about
from linli.funds.models import CommitteeMember, Fund

BUSINESS_TIMEZONE = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """The business day: terms begin and end on Shanghai's calendar, not UTC's."""
    return datetime.now(BUSINESS_TIMEZONE).date()


async def appoint(
    session: AsyncSession, *, principal: Principal, fund_id: uuid.UUID, member_in: MemberCreate
) -> MemberRead:
    fund = await managed_fund(session, principal, fund_id)
    member = CommitteeMember(fund_id=fund.id, **member_in.model_dump())
    if await insert_or_conflict(session, member):
        raise AlreadyMember("this account holds a seat on the committee; change its term")
    await audit.record(
        session,
        CommitteeMemberAppointed(
            **about(fund),
            member_id=member.id,
            represents=member.represents,
            term_start=member.term_start,
            term_end=member.term_end,
        ),
        subject_id=member.id,
        actor=principal.subject,
    )
    return MemberRead.from_model(member)


async def change_term(
    session: AsyncSession,
    *,
    principal: Principal,
    fund_id: uuid.UUID,
    member_id: uuid.UUID,
    term_in: TermUpdate,
) -> MemberRead:
    fund = await managed_fund(session, principal, fund_id)
    member = await CommitteeRepository(session).get(fund.id, member_id, for_update=True)
    if member is None:
        raise MemberNotFound()
    if term_in.term_end < member.term_start:
        raise InvalidInput("term_end is before the term's start")
    member.term_end = term_in.term_end
    await session.flush()
    await audit.record(
        session,
        CommitteeMemberTermChanged(
            **about(fund),
            member_id=member.id,
            term_start=member.term_start,
            term_end=member.term_end,
        ),
        subject_id=member.id,
        actor=principal.subject,
    )
    return MemberRead.from_model(member)


async def list_members(session: AsyncSession, *, fund_id: uuid.UUID) -> list[MemberRead]:
    fund = await any_fund(session, fund_id)
    return [MemberRead.from_model(m) for m in await CommitteeRepository(session).members(fund.id)]


async def serving_seat(session: AsyncSession, fund: Fund, principal: Principal) -> CommitteeMember:
    """The caller's seat on the fund's committee, 403 when they hold none or its term is not
    running today."""
    member = await CommitteeRepository(session).seat_of(fund.id, principal.subject)
    if member is None:
        raise NotACommitteeMember()
    if not member.term_start <= today() <= member.term_end:
        raise TermNotRunning(
            f"the term runs from {member.term_start} to {member.term_end}",
            term_start=member.term_start.isoformat(),
            term_end=member.term_end.isoformat(),
        )
    return member


def approvals_needed(fund: Fund, *, amount_fen: int, serving: int, deciders: int) -> int:
    """The approvals `amount_fen` needs under the fund's rules today: the quorum, or above the
    per-payment limit the larger quorum (every serving member when none is set). 409 when fewer
    than that many `deciders` (serving members other than whoever asks or benefits) could give
    one."""
    required = fund.quorum
    if fund.large_payment_fen is not None and amount_fen > fund.large_payment_fen:
        required = fund.large_quorum or max(serving, fund.quorum)
    if required > deciders:
        raise CommitteeTooSmall(
            f"{amount_fen} fen needs {required} approvals; "
            f"{deciders} serving members could give one",
            approvals_required=required,
            members_who_may_approve=deciders,
        )
    return required
