"""Business rules of 议一议: who proposes where, who sees what, one support per resident
(counted in the support's transaction under the proposal's row lock), the threshold that puts
a proposal on the agenda, the course to done or not adopted, progress, and moderation that
stays on the record."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import UploadFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.divisions import DivisionCode, Level
from linli.common.errors import FieldError, Forbidden
from linli.common.events import redact_clear_pii
from linli.common.files import FileStore
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.service_hall.models.proposals import (
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalStep,
)
from linli.service_hall.models.reports import VoicePhoto
from linli.service_hall.proposals import events as ev
from linli.service_hall.proposals.errors import (
    AnswerRequired,
    CommentNotFound,
    IllegalMove,
    ProposalClosed,
    ProposalNotFound,
)
from linli.service_hall.proposals.machine import CLOSED, MOVES, OPEN, UNDER_WAY, Move, allowed_moves
from linli.service_hall.proposals.repository import (
    AGENDA,
    LISTING,
    ProposalRepository,
    reaching,
    staff_reach,
)
from linli.service_hall.proposals.schemas import (
    CommentCreate,
    CommentRead,
    Hidden,
    HideIn,
    MoveIn,
    ProgressIn,
    ProposalCreate,
    ProposalDetail,
    ProposalRead,
    StepRead,
    SupportRead,
)
from linli.service_hall.voice import access
from linli.service_hall.voice.access import Actor
from linli.service_hall.voice.photos import PhotoRead, add_photo, photos_of

PHOTO_OWNER = "proposal"

_MOVE_EVENTS: dict[Move, type[ev._ProposalEvent]] = {
    Move.START: ev.ProposalStarted,
    Move.COMPLETE: ev.ProposalCompleted,
    Move.REJECT: ev.ProposalRejected,
}


def _now() -> datetime:
    return datetime.now(UTC)


# --- who sees, who handles -----------------------------------------------------------------------


def _sees(principal: Principal, proposal: Proposal) -> bool:
    code = proposal.division_code
    resident = principal.has_role(Role.RESIDENT) and len(principal.scope) == 12
    if resident and access.reaches(code, principal.scope):
        return True
    if principal.has_role(*access.READ_ROLES) and principal.scope:
        # Staff of the division or above it, and a community's staff for their street's.
        return principal.covers(code) or (len(code) == 9 and principal.scope.startswith(code))
    return False


def _is_staff(principal: Principal) -> bool:
    return principal.has_role(*access.READ_ROLES)


async def visible(
    session: AsyncSession,
    principal: Principal,
    proposal_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Proposal:
    principal.require_role(Role.RESIDENT, *access.READ_ROLES)
    proposal = await ProposalRepository(session).get(proposal_id, for_update=for_update)
    if proposal is None or not _sees(principal, proposal):
        raise ProposalNotFound()
    return proposal


def _handler(principal: Principal, proposal: Proposal) -> Actor:
    """The staff of the proposal's own level and scope (a community's worker, a street's admin)."""
    role = access.LEVEL_ROLE[DivisionCode.parse(proposal.division_code).level]
    if not principal.has_role(role) or not principal.covers(proposal.division_code):
        raise Forbidden(f"only the {role.value} of the proposal's division does this")
    return access.actor(principal, role)


def _participant(principal: Principal) -> Actor:
    if principal.has_role(Role.RESIDENT):
        return access.actor(principal, Role.RESIDENT)
    role = access.level_role(principal) or Role.GRID_WORKER
    return access.actor(principal, role)


# --- reading -------------------------------------------------------------------------------------


def _hidden(at: datetime | None, reason: str | None, role: str | None) -> Hidden | None:
    if at is None:
        return None
    return Hidden(at=at, reason=reason or "", by_role=role or "")


def read_proposal(principal: Principal, proposal: Proposal) -> ProposalRead:
    withheld = proposal.hidden_at is not None and not _is_staff(principal)
    return ProposalRead(
        id=proposal.id,
        division_code=proposal.division_code,
        category=proposal.category,
        title=None if withheld else proposal.title,
        body=None if withheld else proposal.body,
        author_role=proposal.author_role,
        author_name_masked=proposal.author_name_masked,
        status=proposal.status,
        support_count=proposal.support_count,
        support_threshold=proposal.support_threshold,
        on_agenda_at=proposal.on_agenda_at,
        answer=proposal.answer,
        hidden=_hidden(proposal.hidden_at, proposal.hidden_reason, proposal.hidden_by_role),
        allowed_moves=allowed_moves(proposal.status),
        created_at=proposal.created_at,
        updated_at=proposal.updated_at,
    )


async def detail(session: AsyncSession, principal: Principal, proposal: Proposal) -> ProposalDetail:
    repository = ProposalRepository(session)
    read = read_proposal(principal, proposal)
    if principal.has_role(Role.RESIDENT):
        read.supported_by_you = await repository.supports(proposal.id, principal.subject)
    photos = await photos_of(session, owner_kind=PHOTO_OWNER, owner_id=proposal.id)
    return ProposalDetail(
        **read.model_dump(),
        record=[StepRead.model_validate(step) for step in await repository.steps(proposal.id)],
        photos=[PhotoRead.model_validate(photo) for photo in photos],
    )


async def list_proposals(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    status: ProposalStatus | None,
    agenda: bool,
    cursor: str | None,
    limit: int,
) -> Page[ProposalRead]:
    """A resident's community's and street's proposals; staff's of a division of their scope.
    `agenda`: those under review, in the order they were taken up."""
    principal.require_role(Role.RESIDENT, *access.READ_ROLES)
    order = AGENDA if agenda else LISTING
    after = order.decode(cursor)
    if _is_staff(principal):
        code = division or principal.scope
        principal.require_scope(code)
        reach = staff_reach(principal.scope, code)
    else:
        community = access.resident_community(principal)
        if division and not access.reaches(division, community):
            raise Forbidden(f"division {division} does not contain your community")
        reach = reaching(community)
    statement = select(Proposal).where(reach)
    if agenda:
        statement = statement.where(Proposal.status == ProposalStatus.UNDER_REVIEW)
    elif status is not None:
        statement = statement.where(Proposal.status == status)
    rows = (await session.scalars(order.paginate(statement, after=after, limit=limit))).all()
    return order.page(rows, limit=limit, read=lambda row: read_proposal(principal, row))


# --- proposing -----------------------------------------------------------------------------------


async def submit(
    session: AsyncSession, *, proposal_in: ProposalCreate, principal: Principal, threshold: int
) -> Proposal:
    """Residents propose to their own community (another: 403); a street admin to the street."""
    if principal.has_role(Role.RESIDENT):
        community = access.resident_community(principal)
        code = proposal_in.division_code or community
        if code != community:
            raise Forbidden("residents propose in the community they live in")
        who = access.actor(principal, Role.RESIDENT)
    else:
        principal.require_role(Role.RESIDENT, Role.STREET_ADMIN)
        code = proposal_in.division_code or principal.scope
        principal.require_scope(code)
        if DivisionCode.parse(code).level is not Level.STREET:
            raise Forbidden("a street admin proposes to the street")
        who = access.actor(principal, Role.STREET_ADMIN)
    now = _now()
    proposal = Proposal(
        division_code=code,
        category=proposal_in.category,
        title=proposal_in.title,
        body=proposal_in.body,
        author_subject=principal.subject,
        author_role=who.role,
        author_name_masked=who.name_masked,
        status=ProposalStatus.DISCUSSING,
        support_count=0,
        support_threshold=threshold,
        created_at=now,
        updated_at=now,
    )
    session.add(proposal)
    await session.flush()
    _step(session, proposal, action="submit", before=None, who=who, note=None, at=now)
    await _record(
        session,
        ev.ProposalSubmitted,
        proposal,
        at=now,
        category=proposal.category,
        author_role=who.role,
        support_threshold=threshold,
    )
    return proposal


async def add_proposal_photo(
    session: AsyncSession,
    files: FileStore,
    *,
    proposal_id: uuid.UUID,
    upload: UploadFile,
    principal: Principal,
) -> VoicePhoto:
    proposal = await visible(session, principal, proposal_id, for_update=True)
    if proposal.author_subject != principal.subject:
        raise Forbidden("only the author adds photos to a proposal")
    if proposal.status not in OPEN or proposal.hidden_at is not None:
        raise ProposalClosed("the proposal is no longer open")
    return await add_photo(
        session,
        files,
        owner_kind=PHOTO_OWNER,
        owner_id=proposal.id,
        upload=upload,
        uploaded_by=principal.subject,
    )


# --- supports ------------------------------------------------------------------------------------


async def support(
    session: AsyncSession, *, proposal_id: uuid.UUID, principal: Principal
) -> SupportRead:
    """One support per resident: a repeat answers the same count, `counted` false. Reaching the
    threshold takes the proposal up onto the agenda (under review), once."""
    community = access.resident_community(principal)
    proposal = await visible(session, principal, proposal_id, for_update=True)
    if proposal.hidden_at is not None or proposal.status not in OPEN:
        raise ProposalClosed(
            "only a visible proposal in discussion or under review takes supports",
            state=proposal.status.value,
        )
    repository = ProposalRepository(session)
    counted = await repository.add_support(proposal.id, principal.subject, community)
    if counted:
        now = _now()
        # Under the row lock taken above: concurrent supports add one after the other.
        proposal.support_count += 1
        proposal.updated_at = now
        await _record(
            session, ev.ProposalSupported, proposal, at=now, support_count=proposal.support_count
        )
        if (
            proposal.status is ProposalStatus.DISCUSSING
            and proposal.support_count >= proposal.support_threshold
        ):
            await _take_up(session, proposal, who=None, at=now)
    return SupportRead(
        proposal_id=proposal.id,
        support_count=proposal.support_count,
        status=proposal.status,
        counted=counted,
    )


async def _take_up(
    session: AsyncSession, proposal: Proposal, *, who: Actor | None, at: datetime
) -> None:
    before = proposal.status
    proposal.status = ProposalStatus.UNDER_REVIEW
    proposal.on_agenda_at = at
    note = None if who else f"{proposal.support_count} supports reached the threshold"
    system = Actor(subject="system", role="system")
    _step(session, proposal, action="take_up", before=before, who=who or system, note=note, at=at)
    await _record(
        session,
        ev.ProposalTakenUp,
        proposal,
        at=at,
        support_count=proposal.support_count,
        by_threshold=who is None,
    )


# --- the course ----------------------------------------------------------------------------------


async def move(
    session: AsyncSession, *, proposal_id: uuid.UUID, move_in: MoveIn, principal: Principal
) -> Proposal:
    """A step of the course by the staff of the proposal's level; 409 names the allowed moves."""
    proposal = await visible(session, principal, proposal_id, for_update=True)
    who = _handler(principal, proposal)
    sources, target = MOVES[move_in.move]
    if proposal.status not in sources:
        raise IllegalMove(
            action=move_in.move.value,
            state=proposal.status.value,
            allowed=allowed_moves(proposal.status),
        )
    if move_in.move is Move.REJECT and not move_in.answer:
        raise AnswerRequired(
            "say why it is not adopted",
            errors=[FieldError("body.answer", "missing", "an answer is required", "需要答复")],
        )
    now = _now()
    if move_in.move is Move.REVIEW:
        await _take_up(session, proposal, who=who, at=now)
        return proposal
    before = proposal.status
    proposal.status = target
    proposal.updated_at = now
    if move_in.answer:
        proposal.answer = move_in.answer
    _step(
        session,
        proposal,
        action=move_in.move.value,
        before=before,
        who=who,
        note=move_in.answer,
        at=now,
    )
    if move_in.move is Move.ADOPT:
        await _record(
            session,
            ev.ProposalAdopted,
            proposal,
            at=now,
            title=redact_clear_pii(proposal.title),
            summary=redact_clear_pii(proposal.body),
            support_count=proposal.support_count,
        )
    else:
        await _record(session, _MOVE_EVENTS[move_in.move], proposal, at=now)
    return proposal


async def progress(
    session: AsyncSession, *, proposal_id: uuid.UUID, progress_in: ProgressIn, principal: Principal
) -> Proposal:
    """A progress update of an adopted proposal, on its record."""
    proposal = await visible(session, principal, proposal_id, for_update=True)
    who = _handler(principal, proposal)
    if proposal.status not in UNDER_WAY:
        raise IllegalMove(
            action="report progress on",
            state=proposal.status.value,
            allowed=allowed_moves(proposal.status),
        )
    now = _now()
    proposal.updated_at = now
    _step(
        session,
        proposal,
        action="progress",
        before=proposal.status,
        who=who,
        note=progress_in.note,
        at=now,
    )
    await _record(session, ev.ProposalProgressed, proposal, at=now)
    return proposal


# --- comments and moderation ---------------------------------------------------------------------


def read_comment(principal: Principal, comment: ProposalComment) -> CommentRead:
    withheld = comment.hidden_at is not None and not _is_staff(principal)
    return CommentRead(
        id=comment.id,
        parent_id=comment.parent_id,
        author_role=comment.author_role,
        author_name_masked=comment.author_name_masked,
        body=None if withheld else comment.body,
        hidden=_hidden(comment.hidden_at, comment.hidden_reason, comment.hidden_by_role),
        created_at=comment.created_at,
    )


async def comments(
    session: AsyncSession, *, proposal_id: uuid.UUID, principal: Principal
) -> list[CommentRead]:
    proposal = await visible(session, principal, proposal_id)
    return [
        read_comment(principal, c) for c in await ProposalRepository(session).comments(proposal.id)
    ]


async def comment(
    session: AsyncSession,
    *,
    proposal_id: uuid.UUID,
    comment_in: CommentCreate,
    principal: Principal,
) -> ProposalComment:
    """A comment, or a reply to one of the same proposal: refused (409) on a hidden or finished
    proposal, or in reply to a hidden comment."""
    proposal = await visible(session, principal, proposal_id)
    if proposal.hidden_at is not None or proposal.status in CLOSED:
        raise ProposalClosed(
            "a hidden or finished proposal takes no comments", state=proposal.status.value
        )
    repository = ProposalRepository(session)
    if comment_in.parent_id is not None:
        parent = await repository.comment(comment_in.parent_id)
        if parent is None or parent.proposal_id != proposal.id:
            raise CommentNotFound("no such comment of this proposal to reply to")
        if parent.hidden_at is not None:
            raise ProposalClosed("a hidden comment takes no replies")
    who = _participant(principal)
    now = _now()
    new = ProposalComment(
        proposal_id=proposal.id,
        parent_id=comment_in.parent_id,
        author_subject=principal.subject,
        author_role=who.role,
        author_name_masked=who.name_masked,
        body=comment_in.body,
        created_at=now,
    )
    session.add(new)
    await session.flush()
    await _record(
        session,
        ev.ProposalCommented,
        proposal,
        at=now,
        comment_id=new.id,
        parent_id=new.parent_id,
        author_role=who.role,
    )
    return new


async def hide(
    session: AsyncSession,
    *,
    proposal_id: uuid.UUID,
    comment_id: uuid.UUID | None,
    hide_in: HideIn,
    principal: Principal,
) -> None:
    """Moderation by the staff of the proposal's level: hidden with a reason that stays on the
    record; the text is withheld from residents, not deleted."""
    proposal = await visible(session, principal, proposal_id, for_update=True)
    who = _handler(principal, proposal)
    now = _now()
    if comment_id is None:
        target: Proposal | ProposalComment = proposal
    else:
        found = await ProposalRepository(session).comment(comment_id)
        if found is None or found.proposal_id != proposal.id:
            raise CommentNotFound()
        target = found
    if target.hidden_at is not None:
        raise ProposalClosed("hidden already")
    target.hidden_at = now
    target.hidden_reason = hide_in.reason
    target.hidden_by_role = who.role
    action = "hide" if comment_id is None else "hide_comment"
    note = hide_in.reason if comment_id is None else f"{comment_id}: {hide_in.reason}"
    _step(session, proposal, action=action, before=proposal.status, who=who, note=note, at=now)
    await _record(
        session, ev.ProposalHidden, proposal, at=now, comment_id=comment_id, moderator_role=who.role
    )


# --- shared --------------------------------------------------------------------------------------


def _step(
    session: AsyncSession,
    proposal: Proposal,
    *,
    action: str,
    before: ProposalStatus | None,
    who: Actor,
    note: str | None,
    at: datetime,
) -> None:
    session.add(
        ProposalStep(
            proposal_id=proposal.id,
            action=action,
            from_status=before.value if before is not None else None,
            to_status=proposal.status.value,
            note=note,
            actor_role=who.role,
            actor_name_masked=who.name_masked,
            at=at,
        )
    )


async def _record(
    session: AsyncSession,
    event_class: type[ev._ProposalEvent],
    proposal: Proposal,
    *,
    at: datetime,
    **fields: object,
) -> None:
    code = proposal.division_code
    event = event_class(
        community_code=code if len(code) == 12 else None,
        proposal_division_code=code,
        proposal_id=proposal.id,
        status=proposal.status.value,
        at=at,
        **fields,
    )
    await events_of(session).record(event, subject_id=proposal.id)
