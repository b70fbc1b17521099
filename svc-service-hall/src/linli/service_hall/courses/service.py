"""Rules of the elder college: a division's staff open a term and its courses; members of the
communities it serves choose within the term's rules while the window is open; the staff then
allocate by lottery (the seed recorded); attendance is taken per session."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.errors import FieldError, Forbidden
from linli.common.outbox import events_of
from linli.common.pagination import Keyset, Page, within_division
from linli.service_hall import access, calendar
from linli.service_hall.courses import events as ev
from linli.service_hall.courses.errors import (
    AgeRuleNotMet,
    AlreadyChosen,
    ChoiceNotFound,
    CourseNotFound,
    NotAllocated,
    NotOfTheCollege,
    SelectionClosed,
    SessionNotFound,
    TermNotFound,
    TooManyCourses,
)
from linli.service_hall.courses.lottery import Choice, draw
from linli.service_hall.courses.repository import CourseRepository
from linli.service_hall.courses.schemas import (
    MAX_SEED,
    AllocationIn,
    AllocationRead,
    AttendanceIn,
    AttendanceRead,
    ChoiceIn,
    ChoiceRead,
    CourseAllocation,
    CourseCreate,
    CourseRead,
    SessionRead,
    TermCreate,
)
from linli.service_hall.models import ResidentCopy
from linli.service_hall.models.courses import (
    ChoiceStatus,
    Course,
    CourseSession,
    Term,
    TermStatus,
)

TERMS = Keyset(Term.selection_opens_at, Term.id, descending=True)


def _now() -> datetime:
    return datetime.now(UTC)


# --- who sees and runs a college -----------------------------------------------------------------


def _runs(principal: Principal, division_code: str) -> bool:
    return principal.has_role(*access.STAFF_ROLES) and principal.covers(division_code)


def _require_runs(principal: Principal, term: Term) -> None:
    principal.require_role(*access.STAFF_ROLES)
    if not principal.covers(term.division_code):
        raise Forbidden("only the staff of the college's division run its term")


async def visible_term(
    session: AsyncSession,
    principal: Principal,
    term_id: uuid.UUID,
    *,
    resident: ResidentCopy | None = None,
    lock: str | None = None,
) -> Term:
    """Staff see the terms of their scope and of the colleges above it (a community worker the
    street's); residents those of a college serving their community. 404 otherwise."""
    term = await CourseRepository(session).term(term_id, lock=lock)
    if term is None:
        raise TermNotFound()
    if access.is_staff(principal):
        if principal.covers(term.division_code) or (
            principal.scope and principal.scope.startswith(term.division_code)
        ):
            return term
        raise TermNotFound()
    community = (
        resident.community_code
        if resident is not None
        else (await access.calling_resident(session, principal)).community_code
    )
    if not community.startswith(term.division_code):
        raise TermNotFound()
    return term


async def open_term(session: AsyncSession, *, term_in: TermCreate, principal: Principal) -> Term:
    principal.require_role(*access.STAFF_ROLES)
    code = term_in.division_code or principal.scope
    principal.require_scope(code)
    term = Term(
        division_code=code,
        name=term_in.name,
        max_courses_per_member=term_in.max_courses_per_member,
        selection_opens_at=term_in.selection_opens_at,
        selection_closes_at=term_in.selection_closes_at,
        status=TermStatus.SELECTING,
    )
    session.add(term)
    await session.flush()
    await _record(
        session,
        ev.CourseTermOpened,
        term,
        max_courses_per_member=term.max_courses_per_member,
        selection_opens_at=term.selection_opens_at,
        selection_closes_at=term.selection_closes_at,
    )
    return term


async def list_terms(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[Term]:
    """Residents: the terms of the colleges serving their community. Staff: those of `division`
    (default: their scope) and of the colleges above it. Newest window first."""
    after = TERMS.decode(cursor)
    if access.is_staff(principal):
        code = division or principal.scope
        principal.require_scope(code)
    else:
        code = (await access.calling_resident(session, principal)).community_code
        if division and not code.startswith(division):
            raise Forbidden(f"division {division} does not contain your community")
    above = [code[:n] for n in (4, 6, 9) if n < len(code)]
    where = or_(within_division(Term.division_code, code), Term.division_code.in_(above))
    rows = (
        await session.scalars(TERMS.paginate(select(Term).where(where), after=after, limit=limit))
    ).all()
    return TERMS.page(rows, limit=limit, read=lambda term: term)


# --- courses -------------------------------------------------------------------------------------


async def offer(
    session: AsyncSession, *, term_id: uuid.UUID, course_in: CourseCreate, principal: Principal
) -> CourseRead:
    term = await visible_term(session, principal, term_id, lock="share")
    _require_runs(principal, term)
    if term.status is not TermStatus.SELECTING:
        raise SelectionClosed("the term is allocated: it takes no more courses")
    course = Course(
        term_id=term.id,
        **course_in.model_dump(exclude={"sessions"}),
        chosen_count=0,
        allocated_count=0,
    )
    session.add(course)
    await session.flush()
    for number, starts_at in enumerate(course_in.sessions, start=1):
        session.add(CourseSession(course_id=course.id, number=number, starts_at=starts_at))
    await session.flush()
    await _record(
        session,
        ev.CourseOffered,
        term,
        course_id=course.id,
        capacity=course.capacity,
        min_age=course.min_age,
        sessions=len(course_in.sessions),
    )
    [read] = await _reads(session, [course])
    return read


async def _reads(session: AsyncSession, courses: Sequence[Course]) -> list[CourseRead]:
    sessions = await CourseRepository(session).sessions([c.id for c in courses])
    by_course: dict[uuid.UUID, list[SessionRead]] = {}
    for row in sessions:
        by_course.setdefault(row.course_id, []).append(SessionRead.model_validate(row))
    reads = []
    for course in courses:
        read = CourseRead.model_validate(course)
        read.oversubscribed = course.chosen_count > course.capacity
        read.sessions = by_course.get(course.id, [])
        reads.append(read)
    return reads


async def courses(
    session: AsyncSession, *, term_id: uuid.UUID, principal: Principal
) -> list[CourseRead]:
    term = await visible_term(session, principal, term_id)
    return await _reads(session, await CourseRepository(session).courses(term.id))


# --- choosing ------------------------------------------------------------------------------------


async def choose(
    session: AsyncSession, *, term_id: uuid.UUID, choice_in: ChoiceIn, principal: Principal
) -> ChoiceRead:
    """A member's next choice (its rank: how many they chose before, plus one), within the
    window and the rules: at most the term's number of courses (a sixth when the rule is five
    is a 422 naming `max_courses_per_member`), and a course's minimum age by birth year."""
    resident = await access.participant(session, principal, choice_in.resident_id)
    term = await visible_term(session, principal, term_id, resident=resident, lock="share")
    if not resident.community_code.startswith(term.division_code):
        raise NotOfTheCollege(f"the college of {term.division_code} serves its own residents")
    now = _now()
    _require_window(term, now)
    repository = CourseRepository(session)
    course = await repository.course(choice_in.course_id)
    if course is None or course.term_id != term.id:
        raise CourseNotFound("no such course in this term")
    if course.min_age is not None:
        year = calendar.today(now).year
        age = access.age_in(resident, year)
        if age is None or age < course.min_age:
            raise AgeRuleNotMet(min_age=course.min_age, born_by=year - course.min_age)
    rank = await repository.count_choice(
        term_id=term.id,
        resident_id=resident.resident_id,
        community_code=resident.community_code,
        limit=term.max_courses_per_member,
    )
    if rank is None:
        raise TooManyCourses(term.max_courses_per_member)
    # A repeat raises below and the whole transaction (the count's step included) rolls back.
    choice = await repository.add_choice(
        term_id=term.id, course_id=course.id, resident_id=resident.resident_id, rank=rank
    )
    if choice is None:
        raise AlreadyChosen("this member chose the course already")
    course = await repository.course(course.id)
    assert course is not None
    await _record(
        session,
        ev.CourseSelected,
        term,
        course_id=course.id,
        resident_id=resident.resident_id,
        rank=rank,
        chosen_count=course.chosen_count,
    )
    return ChoiceRead.model_validate(choice)


def _require_window(term: Term, now: datetime) -> None:
    if term.status is not TermStatus.SELECTING:
        raise SelectionClosed("the term was allocated: selection is over", status=term.status.value)
    if not term.selection_opens_at <= now < term.selection_closes_at:
        raise SelectionClosed(
            f"selection is open from {term.selection_opens_at.isoformat()} "
            f"until {term.selection_closes_at.isoformat()}",
            opens_at=term.selection_opens_at.isoformat(),
            closes_at=term.selection_closes_at.isoformat(),
        )


async def withdraw(
    session: AsyncSession,
    *,
    term_id: uuid.UUID,
    course_id: uuid.UUID,
    resident_id: uuid.UUID | None,
    principal: Principal,
) -> None:
    """Withdraw a choice while the window is open: the member's later choices move up a rank,
    and the place under the rule is free again."""
    resident = await access.participant(session, principal, resident_id)
    term = await visible_term(session, principal, term_id, resident=resident, lock="share")
    _require_window(term, _now())
    repository = CourseRepository(session)
    rank = await repository.withdraw(
        term_id=term.id, course_id=course_id, resident_id=resident.resident_id
    )
    if rank is None:
        raise ChoiceNotFound("this member has not chosen that course in this term")
    course = await repository.course(course_id)
    assert course is not None
    await _record(
        session,
        ev.CourseWithdrawn,
        term,
        course_id=course.id,
        resident_id=resident.resident_id,
        rank=rank,
        chosen_count=course.chosen_count,
    )


async def member_choices(
    session: AsyncSession,
    *,
    term_id: uuid.UUID,
    resident_id: uuid.UUID | None,
    principal: Principal,
) -> list[ChoiceRead]:
    """A member's choices in rank order, with what the lottery gave them."""
    resident = await access.participant(session, principal, resident_id)
    term = await visible_term(session, principal, term_id, resident=resident)
    rows = await CourseRepository(session).choices(term.id, resident_id=resident.resident_id)
    return [ChoiceRead.model_validate(row) for row in rows]


# --- the lottery ---------------------------------------------------------------------------------


async def allocate(
    session: AsyncSession, *, term_id: uuid.UUID, allocation_in: AllocationIn, principal: Principal
) -> AllocationRead:
    """Draw the term's seats by lottery from `seed` (recorded; drawn at random when omitted) and
    end the selection; `course.allocated` per course. Before the window closes only with
    `close_early`."""
    term = await visible_term(session, principal, term_id, lock="update")
    _require_runs(principal, term)
    if term.status is not TermStatus.SELECTING:
        raise SelectionClosed(f"allocated already with seed {term.seed}", seed=term.seed)
    now = _now()
    if now < term.selection_closes_at and not allocation_in.close_early:
        raise SelectionClosed(
            f"selection is open until {term.selection_closes_at.isoformat()}: "
            "allocate after it, or with `close_early`",
            errors=[
                FieldError("body.close_early", "window_open", "the window is open", "选课尚未截止")
            ],
        )
    seed = allocation_in.seed if allocation_in.seed is not None else secrets.randbelow(MAX_SEED)
    repository = CourseRepository(session)
    offered = await repository.courses(term.id)
    choices = await repository.choices(term.id)
    won = draw(
        seed,
        capacities={c.id: c.capacity for c in offered},
        choices=[Choice(c.resident_id, c.course_id, c.rank) for c in choices],
        limit=term.max_courses_per_member,
    )
    winners: dict[uuid.UUID, list[uuid.UUID]] = {c.id: [] for c in offered}
    for choice in choices:
        if (choice.resident_id, choice.course_id) in won:
            choice.status = ChoiceStatus.ALLOCATED
            winners[choice.course_id].append(choice.resident_id)
        else:
            choice.status = ChoiceStatus.NOT_ALLOCATED
    for course in offered:
        course.allocated_count = len(winners[course.id])
    term.status = TermStatus.ALLOCATED
    term.seed = seed
    term.allocated_at = now
    await session.flush()
    for course in offered:
        await _record(
            session,
            ev.CourseAllocated,
            term,
            course_id=course.id,
            seed=seed,
            capacity=course.capacity,
            chosen_count=course.chosen_count,
            allocated_count=course.allocated_count,
            oversubscribed=course.chosen_count > course.capacity,
            resident_ids=sorted(winners[course.id], key=str),
        )
    return _allocation(term, offered, members=len({c.resident_id for c in choices}))


def _allocation(term: Term, offered: Sequence[Course], *, members: int) -> AllocationRead:
    assert term.seed is not None and term.allocated_at is not None
    return AllocationRead(
        term_id=term.id,
        seed=term.seed,
        allocated_at=term.allocated_at,
        max_courses_per_member=term.max_courses_per_member,
        members=members,
        courses=[
            CourseAllocation(
                course_id=c.id,
                title=c.title,
                capacity=c.capacity,
                chosen_count=c.chosen_count,
                allocated_count=c.allocated_count,
                oversubscribed=c.chosen_count > c.capacity,
            )
            for c in offered
        ],
    )


async def allocation(
    session: AsyncSession, *, term_id: uuid.UUID, principal: Principal
) -> AllocationRead:
    """The term's allocation and its seed, for anyone who sees the term: the draw can be
    replayed from the seed and the choices (`linli.service_hall.courses.lottery.draw`)."""
    term = await visible_term(session, principal, term_id)
    if term.status is not TermStatus.ALLOCATED:
        raise SelectionClosed("the term is not allocated yet", status=term.status.value)
    repository = CourseRepository(session)
    choices = await repository.choices(term.id)
    return _allocation(
        term, await repository.courses(term.id), members=len({c.resident_id for c in choices})
    )


async def roster(
    session: AsyncSession, *, course_id: uuid.UUID, principal: Principal
) -> list[ChoiceRead]:
    """The members allocated a seat on the course: the register the staff take attendance on."""
    repository = CourseRepository(session)
    course = await repository.course(course_id)
    if course is None:
        raise CourseNotFound()
    term = await visible_term(session, principal, course.term_id)
    _require_runs(principal, term)
    return [ChoiceRead.model_validate(row) for row in await repository.roster(course.id)]


# --- attendance ----------------------------------------------------------------------------------


async def attend(
    session: AsyncSession,
    *,
    course_id: uuid.UUID,
    session_id: uuid.UUID,
    attendance_in: AttendanceIn,
    principal: Principal,
) -> AttendanceRead:
    """The members present at a session, as the college's staff take the register: only members
    allocated a seat (others: 422 naming them); recording one twice counts once."""
    repository = CourseRepository(session)
    course = await repository.course(course_id)
    if course is None:
        raise CourseNotFound()
    term = await visible_term(session, principal, course.term_id)
    _require_runs(principal, term)
    meeting = await repository.session_of(course.id, session_id)
    if meeting is None:
        raise SessionNotFound()
    allocated = await repository.allocated_members(course.id)
    named = list(dict.fromkeys(attendance_in.resident_ids))
    strangers = [r for r in named if r not in allocated]
    if strangers:
        raise NotAllocated(
            f"{len(strangers)} of them hold no seat on this course",
            resident_ids=[str(r) for r in strangers],
            errors=[
                FieldError(
                    f"body.resident_ids.{named.index(r)}",
                    "not_allocated",
                    "not allocated to this course",
                    "未被录取该课程",
                )
                for r in strangers[:20]
            ],
        )
    role = access.actor(principal).role
    added = await repository.mark_present(session_id=meeting.id, resident_ids=named, role=role)
    for resident_id in added:
        await _record(
            session,
            ev.CourseAttended,
            term,
            course_id=course.id,
            session_id=meeting.id,
            session_number=meeting.number,
            resident_id=resident_id,
        )
    return AttendanceRead(
        session_id=meeting.id, recorded=len(added), present=await repository.present(meeting.id)
    )


async def _record(
    session: AsyncSession, event_class: type[ev._CourseEvent], term: Term, **fields: object
) -> None:
    code = term.division_code
    event = event_class(
        community_code=code if len(code) == 12 else None,
        term_division_code=code,
        term_id=term.id,
        at=_now(),
        **fields,
    )
    await events_of(session).record(event, subject_id=term.id)
