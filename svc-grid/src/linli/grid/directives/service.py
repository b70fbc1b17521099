"""Business rules of directives: who issues to whom, 签收 then completion, reminders, overdue.

A directive is issued by a street, district or city (the caller's own scope) to every community
below it that the grid knows, or to chosen ones; the set is snapshotted then. Each community
signs for it and later reports it done, in that order: completion before acknowledgement is
refused (409), since an issuer reads "signed" as "it reached the right desk" and an unsigned
completion would hide who received it. Each community's row is locked for its step, so a step
and the deadline timer never cross; a step, its event and its timers commit together.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from linli.common.auth import Principal, Role
from linli.common.divisions import LEVEL_LENGTH, Level
from linli.common.errors import Forbidden
from linli.common.events import redact_clear_pii
from linli.common.files import DOCUMENTS, FileStore, discard_on_rollback, file_response
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pagination import Page, plan_per_call, within_division
from linli.common.timers import schedule
from linli.grid.access import LEVEL_ROLE
from linli.grid.directives import events as ev
from linli.grid.directives.errors import (
    AlreadyCompleted,
    DeadlinePassed,
    DirectiveNotFound,
    NoCommunities,
    NotAcknowledged,
    TooManyFiles,
    UnknownCommunities,
)
from linli.grid.directives.repository import LISTING, DirectiveRepository
from linli.grid.directives.schemas import (
    DirectiveCreate,
    DirectiveDetail,
    DirectiveRead,
    DirectiveStatus,
    FileRead,
    InboxItem,
    IssuedItem,
    StreetTally,
    Tally,
    UnitRead,
)
from linli.grid.models import Directive, DirectiveFile, DirectiveTarget

REMINDER_TIMER = "directive.reminder"
DEADLINE_TIMER = "directive.deadline"
# Attachments of a directive, and evidence files of one community's completion.
MAX_ATTACHMENTS = 9
MAX_EVIDENCE = 9

ISSUER_ROLES = (Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_ADMIN)
# Staff who read directives: those who issue them, the communities that receive them, auditors.
READ_ROLES = (Role.COMMUNITY_WORKER, *ISSUER_ROLES, Role.AUDITOR)
_LEVEL_OF_LENGTH = {length: level for level, length in LEVEL_LENGTH.items()}


def now() -> datetime:
    return datetime.now(UTC)


# --- issuing -------------------------------------------------------------------------------------


def _issuer_level(principal: Principal) -> Level:
    """The caller's own unit issues: a street admin their street, and so on (403 otherwise)."""
    if principal.has_role(Role.COMMUNITY_WORKER) and not principal.has_role(*ISSUER_ROLES):
        raise Forbidden(
            "communities receive directives; streets, districts and the city issue them"
        )
    principal.require_role(*ISSUER_ROLES)
    level = _LEVEL_OF_LENGTH.get(len(principal.scope))
    if level is None or level is Level.COMMUNITY or not principal.has_role(LEVEL_ROLE[level]):
        raise Forbidden(
            "a directive is issued by the admin of a street, district or city, from that unit "
            f"(your scope: {principal.scope or '(none)'})"
        )
    return level


def remind_time(*, issued_at: datetime, deadline: datetime, before: timedelta) -> datetime:
    """`before` the deadline, or half-way to it when the deadline is closer than that."""
    at = deadline - before
    return at if at > issued_at else issued_at + (deadline - issued_at) / 2


async def issue(
    session: AsyncSession,
    files: FileStore,
    *,
    directive_in: DirectiveCreate,
    attachments: Sequence[UploadFile],
    principal: Principal,
) -> Directive:
    level = _issuer_level(principal)
    issuer = principal.scope
    issued_at = now()
    if directive_in.deadline <= issued_at:
        raise DeadlinePassed()
    if len(attachments) > MAX_ATTACHMENTS:
        raise TooManyFiles("attachments", MAX_ATTACHMENTS)
    repository = DirectiveRepository(session)
    await plan_per_call(session)
    if directive_in.communities is not None:
        codes = sorted(set(directive_in.communities))
        outside = [code for code in codes if not code.startswith(issuer)]
        if outside:
            raise Forbidden(
                f"a directive goes down to communities below the issuer {issuer}; these are not: "
                + ", ".join(outside),
                communities=outside,
            )
        unknown = sorted(set(codes) - await repository.known(issuer, codes))
        if unknown:
            raise UnknownCommunities(unknown)
    else:
        codes = await repository.communities_within(issuer)
        if not codes:
            raise NoCommunities(f"the grid knows no community below {issuer}")
    remind_at = remind_time(
        issued_at=issued_at,
        deadline=directive_in.deadline,
        before=timedelta(hours=directive_in.remind_before_hours),
    )
    directive = Directive(
        id=new_id(),
        issuer_code=issuer,
        issuer_level=level,
        issued_by_subject=principal.subject,
        issued_by_role=LEVEL_ROLE[level].value,
        title=directive_in.title,
        body=directive_in.body,
        deadline=directive_in.deadline,
        remind_at=remind_at,
        target_count=len(codes),
        issued_at=issued_at,
    )
    session.add(directive)
    await session.flush()
    await repository.add_targets(directive.id, codes)
    for upload in attachments:
        await _save(session, files, directive, upload, community_code=None)
    key = str(directive.id)
    payload = {"directive_id": key}
    await schedule(session, kind=REMINDER_TIMER, key=key, due_at=remind_at, payload=payload)
    await schedule(
        session, kind=DEADLINE_TIMER, key=key, due_at=directive.deadline, payload=payload
    )
    common: dict[str, Any] = {
        "directive_id": directive.id,
        "issuer_code": issuer,
        "issuer_level": level,
        "deadline": directive.deadline,
        "title": redact_clear_pii(directive.title),
        "target_count": len(codes),
        "attachment_count": len(attachments),
        "issued_at": issued_at,
    }
    events = events_of(session)
    await events.record(
        ev.DirectiveIssued(copy_on="issuer", communities=codes, **common), subject_id=key
    )
    await events.record_many(
        (ev.DirectiveIssued(copy_on="community", community_code=code, **common), key)
        for code in codes
    )
    return directive


async def _save(
    session: AsyncSession,
    files: FileStore,
    directive: Directive,
    upload: UploadFile,
    *,
    community_code: str | None,
) -> DirectiveFile:
    folder = f"directives/{directive.id}" + (f"/{community_code}" if community_code else "")
    stored = await files.save(upload, DOCUMENTS, folder=folder)
    discard_on_rollback(session, files, stored.key)
    row = DirectiveFile(
        directive_id=directive.id,
        community_code=community_code,
        key=stored.key,
        name=stored.name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
    )
    session.add(row)
    return row


# --- reading -------------------------------------------------------------------------------------


async def visible(
    session: AsyncSession, principal: Principal, directive_id: uuid.UUID
) -> Directive:
    """The directive, if the caller's scope covers its issuer or a community it was sent to;
    404 otherwise, as if it did not exist (403 for roles that never read directives)."""
    principal.require_role(*READ_ROLES)
    repository = DirectiveRepository(session)
    directive = await repository.get(directive_id)
    if directive is None or not principal.scope:
        raise DirectiveNotFound()
    if principal.covers(directive.issuer_code):
        return directive
    if principal.scope.startswith(directive.issuer_code) and await repository.reaches(
        directive.id, principal.scope
    ):
        return directive
    raise DirectiveNotFound()


def unit_read(target: DirectiveTarget, directive: Directive, at: datetime) -> UnitRead:
    completed = target.completed_at is not None
    return UnitRead(
        community_code=target.community_code,
        street_code=target.community_code[:9],
        state="completed"
        if completed
        else ("acknowledged" if target.acknowledged_at is not None else "not_acknowledged"),
        acknowledged_at=target.acknowledged_at,
        completed_at=target.completed_at,
        completion_note=target.completion_note,
        overdue=not completed and directive.deadline <= at,
        late=target.completed_at is not None and target.completed_at > directive.deadline,
    )


def directive_read(directive: Directive) -> DirectiveRead:
    return DirectiveRead(
        id=directive.id,
        issuer_code=directive.issuer_code,
        issuer_level=directive.issuer_level,
        title=directive.title,
        body=directive.body,
        deadline=directive.deadline,
        remind_at=directive.remind_at,
        target_count=directive.target_count,
        issued_at=directive.issued_at,
    )


async def detail(
    session: AsyncSession, *, directive: Directive, principal: Principal
) -> DirectiveDetail:
    """The directive, its attachments, and the rows and evidence of the caller's communities."""
    repository = DirectiveRepository(session)
    at = now()
    targets = await repository.targets(directive.id, principal.scope)
    return DirectiveDetail(
        **directive_read(directive).model_dump(),
        attachments=[FileRead.model_validate(f) for f in await repository.files(directive.id)],
        units=[unit_read(t, directive, at) for t in targets],
        evidence=[
            FileRead.model_validate(f)
            for f in await repository.files(directive.id, scope=principal.scope)
        ],
    )


def _tally(row: Any, *, overdue_now: bool) -> dict[str, int]:
    return {
        "targets": row.targets,
        "acknowledged": row.acknowledged,
        "not_acknowledged": row.not_acknowledged,
        "completed": row.completed,
        "not_completed": row.not_completed,
        "overdue": row.not_completed if overdue_now else 0,
    }


async def status(
    session: AsyncSession, *, directive_id: uuid.UUID, principal: Principal
) -> DirectiveStatus:
    """Counts and lists over the communities of the caller's scope, at this moment: overdue is
    "deadline passed and not completed" by the clock, whether or not the timer has fired yet."""
    directive = await visible(session, principal, directive_id)
    repository = DirectiveRepository(session)
    await plan_per_call(session)
    at = now()
    overdue_now = directive.deadline <= at
    units = [
        unit_read(t, directive, at) for t in await repository.targets(directive.id, principal.scope)
    ]
    streets = [
        StreetTally(street_code=row.street_code, **_tally(row, overdue_now=overdue_now))
        for row in await repository.street_tallies(directive.id, principal.scope)
    ]
    fields = list(Tally.model_fields)
    total = Tally(**{name: sum(getattr(s, name) for s in streets) for name in fields})
    return DirectiveStatus(
        directive_id=directive.id,
        deadline=directive.deadline,
        as_of=at,
        total=total,
        streets=streets,
        not_acknowledged=[u.community_code for u in units if u.state == "not_acknowledged"],
        not_completed=[u.community_code for u in units if u.state != "completed"],
        overdue=[u.community_code for u in units if u.overdue],
        units=units,
    )


async def list_issued(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[IssuedItem]:
    """Directives issued by the division or a unit below it, newest first, each with its tally."""
    principal.require_role(*ISSUER_ROLES, Role.AUDITOR)
    code = division or principal.scope
    principal.require_scope(code)
    after = LISTING.decode(cursor)
    repository = DirectiveRepository(session)
    rows = await repository.page_issued(
        within=within_division(Directive.issuer_code, code), after=after, limit=limit
    )
    tallies = await repository.tallies(rows[:limit])
    at = now()

    def read(directive: Directive) -> IssuedItem:
        tally = _tally(tallies[directive.id], overdue_now=directive.deadline <= at)
        return IssuedItem(**directive_read(directive).model_dump(), tally=Tally(**tally))

    return LISTING.page(rows, limit=limit, read=read)


async def list_inbox(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[InboxItem]:
    """A community's inbox: the directives sent to it, newest first, with where it stands."""
    principal.require_role(*READ_ROLES)
    code = division or principal.scope
    principal.require_scope(code)
    if len(code) != LEVEL_LENGTH[Level.COMMUNITY]:
        raise Forbidden(
            "an inbox is a community's: pass `division` with a community code of your scope"
        )
    after = LISTING.decode(cursor)
    repository = DirectiveRepository(session)
    rows = await repository.page_inbox(code, after=after, limit=limit)
    targets = await repository.targets_of([d.id for d in rows[:limit]], code)
    at = now()

    def read(directive: Directive) -> InboxItem:
        return InboxItem(
            **directive_read(directive).model_dump(),
            unit=unit_read(targets[directive.id], directive, at),
        )

    return LISTING.page(rows, limit=limit, read=read)


async def file_download(
    session: AsyncSession,
    files: FileStore,
    *,
    directive_id: uuid.UUID,
    file_id: uuid.UUID,
    principal: Principal,
) -> StreamingResponse:
    """An attachment for whoever sees the directive; evidence only within the caller's scope."""
    directive = await visible(session, principal, directive_id)
    found = await DirectiveRepository(session).file(directive.id, file_id)
    if found is None or (
        found.community_code is not None and not principal.covers(found.community_code)
    ):
        raise DirectiveNotFound("no such file of this directive")
    return await file_response(
        files, found.key, content_type=found.content_type, filename=found.name
    )


# --- a community's answer ------------------------------------------------------------------------


async def _own_target(
    session: AsyncSession, principal: Principal, directive_id: uuid.UUID
) -> tuple[Directive, DirectiveTarget]:
    """The caller's community's row, locked: 403 unless a community worker of one community,
    404 when the directive was not sent to it."""
    principal.require_role(Role.COMMUNITY_WORKER)
    if len(principal.scope) != LEVEL_LENGTH[Level.COMMUNITY]:
        raise Forbidden("a directive is answered by a community worker for their own community")
    repository = DirectiveRepository(session)
    target = await repository.target(directive_id, principal.scope, for_update=True)
    directive = await repository.get(directive_id) if target is not None else None
    if target is None or directive is None:
        raise DirectiveNotFound("no such directive was sent to your community")
    return directive, target


def _common(directive: Directive, target: DirectiveTarget) -> dict[str, Any]:
    return {
        "directive_id": directive.id,
        "community_code": target.community_code,
        "issuer_code": directive.issuer_code,
        "deadline": directive.deadline,
    }


async def acknowledge(
    session: AsyncSession, *, directive_id: uuid.UUID, principal: Principal
) -> UnitRead:
    """签收: once; signing again answers the same, without a second event."""
    directive, target = await _own_target(session, principal, directive_id)
    at = now()
    if target.acknowledged_at is None:
        target.acknowledged_at = at
        target.acknowledged_by_subject = principal.subject
        await events_of(session).record(
            ev.DirectiveAcknowledged(**_common(directive, target), acknowledged_at=at),
            subject_id=str(directive.id),
        )
        await session.flush()
    return unit_read(target, directive, at)


async def complete(
    session: AsyncSession,
    files: FileStore,
    *,
    directive_id: uuid.UUID,
    note: str,
    evidence: Sequence[UploadFile],
    principal: Principal,
) -> UnitRead:
    """Report the directive done, with a note and evidence; after signing for it, once."""
    directive, target = await _own_target(session, principal, directive_id)
    if target.acknowledged_at is None:
        raise NotAcknowledged("sign for the directive (acknowledge) before reporting it done")
    if target.completed_at is not None:
        raise AlreadyCompleted(
            f"your community reported it done at {target.completed_at.isoformat()}"
        )
    if len(evidence) > MAX_EVIDENCE:
        raise TooManyFiles("evidence", MAX_EVIDENCE)
    at = now()
    for upload in evidence:
        await _save(session, files, directive, upload, community_code=target.community_code)
    target.completed_at = at
    target.completed_by_subject = principal.subject
    target.completion_note = note
    await events_of(session).record(
        ev.DirectiveCompleted(
            **_common(directive, target),
            completed_at=at,
            evidence_count=len(evidence),
            late=at > directive.deadline,
        ),
        subject_id=str(directive.id),
    )
    await session.flush()
    return unit_read(target, directive, at)


# --- timers --------------------------------------------------------------------------------------


async def on_reminder_due(session: AsyncSession, directive_id: uuid.UUID) -> None:
    """A reminder to every community that has not completed, each once."""
    directive = await DirectiveRepository(session).get(directive_id)
    if directive is None:
        return
    at = now()
    laggards = await DirectiveRepository(session).laggards(
        directive.id, unmarked=DirectiveTarget.reminded_at
    )
    for target in laggards:
        target.reminded_at = at
    await events_of(session).record_many(
        (
            ev.DirectiveReminderDue(
                **_common(directive, t), acknowledged=t.acknowledged_at is not None
            ),
            str(directive.id),
        )
        for t in laggards
    )
    await session.flush()


async def on_deadline(session: AsyncSession, directive_id: uuid.UUID) -> None:
    """`directive.overdue` for every community not completed at the deadline, each once."""
    directive = await DirectiveRepository(session).get(directive_id)
    if directive is None:
        return
    at = now()
    laggards = await DirectiveRepository(session).laggards(
        directive.id, unmarked=DirectiveTarget.overdue_at
    )
    for target in laggards:
        target.overdue_at = at
    await events_of(session).record_many(
        (
            ev.DirectiveOverdue(
                **_common(directive, t), acknowledged=t.acknowledged_at is not None
            ),
            str(directive.id),
        )
        for t in laggards
    )
    await session.flush()
