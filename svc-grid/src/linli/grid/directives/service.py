"""Business rules of directives: who issues to whom, amendment and withdrawal by the issuer,
签收 then completion, reminders, overdue.

A directive is issued by a street, district or city (the caller's own scope) to every community
below it that the grid knows, or to chosen ones; the set is snapshotted then. Each community
signs for it and later reports it done, in that order: completion before acknowledgement is
refused (409), since an issuer reads "signed" as "it reached the right desk" and an unsigned
completion would hide who received it. Each community's row is locked for its step, so a step
and the deadline timer never cross; a step, its event and its timers commit together.

Only the issuing unit amends (修改) or withdraws (撤回) a directive. Both lock the directive row,
then its timers, then its target rows: the timer poller locks a timer and then the targets, so
the two never wait on each other in a circle. An extended deadline reschedules both timers and
forgets the overdue notices and reminders of the communities still at it (the new deadline is in
the future, so none of them is overdue any more, and each is told again when the new times
come); completed rows keep what they had, including whether they were late. A withdrawal
cancels the timers and closes every community not completed as withdrawn.
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
from linli.common.errors import Forbidden, NullNotAllowed
from linli.common.events import redact_clear_pii
from linli.common.files import DOCUMENTS, FileStore, discard_on_rollback, file_response
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pagination import Page, plan_per_call, within_division
from linli.common.timers import cancel, schedule
from linli.grid.access import LEVEL_ROLE
from linli.grid.directives import events as ev
from linli.grid.directives.errors import (
    AlreadyCompleted,
    BadTime,
    DeadlinePassed,
    DirectiveNotFound,
    DirectiveWithdrawn,
    NoCommunities,
    NotAcknowledged,
    NothingToAmend,
    RevisionMismatch,
    TooManyFiles,
    UnknownCommunities,
)
from linli.grid.directives.repository import LISTING, REVISIONS, DirectiveRepository
from linli.grid.directives.schemas import (
    DirectiveCreate,
    DirectiveDetail,
    DirectiveRead,
    DirectiveStatus,
    DirectiveUpdate,
    DirectiveWithdrawal,
    FileRead,
    InboxItem,
    IssuedItem,
    RevisionRead,
    StreetTally,
    Tally,
    UnitRead,
    UnitState,
)
from linli.grid.models import Directive, DirectiveFile, DirectiveRevision, DirectiveTarget

REMINDER_TIMER = "directive.reminder"
DEADLINE_TIMER = "directive.deadline"
# Attachments of a directive, and evidence files of one community's completion.
MAX_ATTACHMENTS = 9
MAX_EVIDENCE = 9

ISSUER_ROLES = (Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_ADMIN)
# Staff who read directives: those who issue them, the communities that receive them, auditors.
READ_ROLES = (Role.COMMUNITY_WORKER, *ISSUER_ROLES, Role.AUDITOR)
_LEVEL_OF_LENGTH = {length: level for level, length in LEVEL_LENGTH.items()}
# What an amendment may change, in the order a revision lists them.
AMENDABLE = ("title", "body", "deadline", "remind_at")


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
        revision=0,
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
    withdrawn = target.withdrawn_at is not None
    state: UnitState
    if completed:
        state = "completed"
    elif withdrawn:
        state = "withdrawn"
    elif target.acknowledged_at is not None:
        state = "acknowledged"
    else:
        state = "not_acknowledged"
    return UnitRead(
        community_code=target.community_code,
        street_code=target.community_code[:9],
        state=state,
        acknowledged_at=target.acknowledged_at,
        completed_at=target.completed_at,
        completion_note=target.completion_note,
        overdue=not completed and not withdrawn and directive.deadline <= at,
        late=bool(target.completed_late),
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
        revision=directive.revision,
        amended_at=directive.amended_at,
        withdrawn_at=directive.withdrawn_at,
        withdrawal_reason=directive.withdrawal_reason,
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
        "withdrawn": row.withdrawn,
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
        not_completed=[
            u.community_code for u in units if u.state not in ("completed", "withdrawn")
        ],
        overdue=[u.community_code for u in units if u.overdue],
        withdrawn=[u.community_code for u in units if u.state == "withdrawn"],
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
    # Read after the row lock: a withdrawal committed meanwhile is seen here.
    if directive.withdrawn_at is not None or target.withdrawn_at is not None:
        raise _withdrawn(directive)
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
    target.completed_late = at > directive.deadline
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
    # A withdrawal cancels the timers; one firing as it commits finds it withdrawn.
    if directive is None or directive.withdrawn_at is not None:
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
    # A withdrawal cancels the timers; one firing as it commits finds it withdrawn.
    if directive is None or directive.withdrawn_at is not None:
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


# --- amending and withdrawing (the issuer) -------------------------------------------------------


def _withdrawn(directive: Directive) -> DirectiveWithdrawn:
    at = directive.withdrawn_at.isoformat() if directive.withdrawn_at else "(now)"
    return DirectiveWithdrawn(f"the issuer withdrew this directive at {at}")


async def _issuers_own(
    session: AsyncSession, principal: Principal, directive_id: uuid.UUID
) -> Directive:
    """The directive, locked, when the caller is its issuing unit: 404 as for reading when it is
    out of sight, 403 for those who see it without having issued it (a community it was sent
    to, a street under the issuing district, a level above the issuer, an auditor)."""
    await visible(session, principal, directive_id)
    directive = await DirectiveRepository(session).get(directive_id, for_update=True)
    if directive is None:
        raise DirectiveNotFound()
    if principal.scope != directive.issuer_code or not principal.has_role(
        LEVEL_ROLE[directive.issuer_level]
    ):
        raise Forbidden(
            f"only the issuing unit ({directive.issuer_code}, its "
            f"{LEVEL_ROLE[directive.issuer_level].value}) amends or withdraws a directive"
        )
    return directive


def _jsonable(value: str | datetime | None) -> str | None:
    """A field's value as a revision keeps it: times in UTC written as the API writes them."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


def _amended_values(
    directive: Directive, directive_in: DirectiveUpdate, at: datetime
) -> dict[str, Any]:
    """The fields the amendment changes, with their new values: 422 for a past deadline or
    reminder, or a reminder not before the deadline. Only changed times are judged against the
    clock, so an amendment of the title may carry the times back as it read them."""
    given = directive_in.model_dump(exclude_unset=True, exclude={"revision"})
    if not given:
        raise NothingToAmend()
    nulls = [
        name for name in ("title", "body", "deadline") if name in given and given[name] is None
    ]
    if nulls:
        raise NullNotAllowed(nulls)
    for name in ("deadline", "remind_at"):
        if given.get(name) is not None:
            given[name] = given[name].astimezone(UTC)
    new: dict[str, Any] = {name: getattr(directive, name) for name in AMENDABLE} | given
    deadline_moved = new["deadline"] != directive.deadline
    if deadline_moved:
        if new["deadline"] <= at:
            raise BadTime(
                "deadline", "deadline_past", "must be in the future", "截止时间须晚于现在"
            )
        if "remind_at" not in given and directive.remind_at is not None:
            # The reminder keeps its lead on the deadline (half-way there if that has passed).
            new["remind_at"] = remind_time(
                issued_at=at,
                deadline=new["deadline"],
                before=directive.deadline - directive.remind_at,
            )
    remind_moved = new["remind_at"] != directive.remind_at
    if remind_moved and new["remind_at"] is not None and new["remind_at"] <= at:
        raise BadTime("remind_at", "remind_past", "must be in the future", "提醒时间须晚于现在")
    if new["remind_at"] is not None and new["remind_at"] >= new["deadline"]:
        if "remind_at" in given and remind_moved:
            raise BadTime(
                "remind_at",
                "remind_after_deadline",
                "must be before the deadline",
                "提醒时间须早于截止时间",
            )
        raise BadTime(
            "deadline",
            "deadline_before_reminder",
            "must be after the reminder",
            "截止时间须晚于提醒时间",
        )
    return {name: new[name] for name in AMENDABLE if new[name] != getattr(directive, name)}


async def amend(
    session: AsyncSession,
    *,
    directive_id: uuid.UUID,
    directive_in: DirectiveUpdate,
    principal: Principal,
) -> Directive:
    """修改 by the issuing unit, against the revision it read (409 when another came between).
    Nothing actually changed is no new revision and no event."""
    directive = await _issuers_own(session, principal, directive_id)
    if directive.withdrawn_at is not None:
        raise _withdrawn(directive)
    if directive_in.revision != directive.revision:
        raise RevisionMismatch(current=directive.revision, given=directive_in.revision)
    at = now()
    changes = _amended_values(directive, directive_in, at)
    if not changes:
        return directive
    repository = DirectiveRepository(session)
    key = str(directive.id)
    payload = {"directive_id": key}
    previous_deadline = directive.deadline
    # Timers before target rows: the poller's order (see the module's docstring).
    if "deadline" in changes:
        await schedule(
            session, kind=DEADLINE_TIMER, key=key, due_at=changes["deadline"], payload=payload
        )
    if "remind_at" in changes:
        if changes["remind_at"] is None:
            await cancel(session, kind=REMINDER_TIMER, key=key)
        else:
            await schedule(
                session, kind=REMINDER_TIMER, key=key, due_at=changes["remind_at"], payload=payload
            )
    await repository.rearm(
        directive.id,
        overdue="deadline" in changes,
        reminder=changes.get("remind_at") is not None,
    )
    session.add(
        DirectiveRevision(
            directive_id=directive.id,
            revision=directive.revision + 1,
            amended_by_subject=principal.subject,
            amended_by_role=LEVEL_ROLE[directive.issuer_level].value,
            amended_at=at,
            old_values={name: _jsonable(getattr(directive, name)) for name in changes},
            new_values={name: _jsonable(value) for name, value in changes.items()},
        )
    )
    for name, value in changes.items():
        setattr(directive, name, value)
    directive.revision += 1
    directive.amended_at = at
    await session.flush()
    common: dict[str, Any] = {
        "directive_id": directive.id,
        "issuer_code": directive.issuer_code,
        "deadline": directive.deadline,
        "previous_deadline": previous_deadline,
        "remind_at": directive.remind_at,
        "revision": directive.revision,
        "fields": list(changes),
        "title": redact_clear_pii(directive.title),
        "amended_at": at,
    }
    codes = await repository.target_codes(directive.id)
    events = events_of(session)
    await events.record(ev.DirectiveAmended(copy_on="issuer", **common), subject_id=key)
    await events.record_many(
        (ev.DirectiveAmended(copy_on="community", community_code=code, **common), key)
        for code in codes
    )
    return directive


async def withdraw(
    session: AsyncSession,
    *,
    directive_id: uuid.UUID,
    withdrawal: DirectiveWithdrawal,
    principal: Principal,
) -> Directive:
    """撤回 by the issuing unit, once: its timers cancelled, every community not completed
    closed as withdrawn (no longer overdue, reminded, or able to answer); completed rows stay."""
    directive = await _issuers_own(session, principal, directive_id)
    if directive.withdrawn_at is not None:
        raise _withdrawn(directive)
    at = now()
    key = str(directive.id)
    # Timers before target rows: the poller's order (see the module's docstring).
    await cancel(session, kind=REMINDER_TIMER, key=key)
    await cancel(session, kind=DEADLINE_TIMER, key=key)
    repository = DirectiveRepository(session)
    closed = await repository.close_open(directive.id, at)
    directive.withdrawn_at = at
    directive.withdrawn_by_subject = principal.subject
    directive.withdrawal_reason = withdrawal.reason
    await session.flush()
    common: dict[str, Any] = {
        "directive_id": directive.id,
        "issuer_code": directive.issuer_code,
        "deadline": directive.deadline,
        "withdrawn_at": at,
    }
    events = events_of(session)
    await events.record(
        ev.DirectiveWithdrawn(copy_on="issuer", closed=len(closed), **common), subject_id=key
    )
    await events.record_many(
        (
            ev.DirectiveWithdrawn(
                copy_on="community", community_code=code, closed=int(code in closed), **common
            ),
            key,
        )
        for code in await repository.target_codes(directive.id)
    )
    return directive


def _revision_read(row: DirectiveRevision) -> RevisionRead:
    return RevisionRead(
        revision=row.revision,
        amended_at=row.amended_at,
        amended_by_subject=row.amended_by_subject,
        amended_by_role=row.amended_by_role,
        # JSONB keeps keys in its own order: list them in the order of the directive's fields.
        fields=[name for name in AMENDABLE if name in row.new_values],
        old_values=row.old_values,
        new_values=row.new_values,
    )


async def revisions(
    session: AsyncSession,
    *,
    directive_id: uuid.UUID,
    principal: Principal,
    cursor: str | None,
    limit: int,
) -> Page[RevisionRead]:
    """The directive's amendments, oldest first, for whoever sees the directive."""
    directive = await visible(session, principal, directive_id)
    rows = await DirectiveRepository(session).page_revisions(
        directive.id, after=REVISIONS.decode(cursor), limit=limit
    )
    return REVISIONS.page(rows, limit=limit, read=_revision_read)
