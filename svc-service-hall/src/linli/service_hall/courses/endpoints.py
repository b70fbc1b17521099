"""HTTP API of the elder college: `/course-terms`, their courses, choices and lottery, and
attendance per session (`/courses/{id}/sessions/{id}/attendance`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.courses import service
from linli.service_hall.courses.schemas import (
    AllocationIn,
    AllocationRead,
    AttendanceIn,
    AttendanceRead,
    ChoiceIn,
    ChoiceRead,
    CourseCreate,
    CourseRead,
    TermCreate,
    TermRead,
)

router = APIRouter(tags=["elder college (未来教育)"], route_class=IdempotentRoute)

_NOT_FOUND = "No such term, or not of a college serving you"
_RUNS = "Only the staff of the college's division"
_UNKNOWN = "A resident the hall does not know yet"


@router.post(
    "/course-terms",
    response_model=TermRead,
    status_code=201,
    summary="Open a term of the elder college",
    responses=problem_responses({403: "Hall staff of the division's scope only", 422: "Invalid"}),
)
async def open_term(
    session: DbSession, principal: CurrentPrincipal, term_in: TermCreate
) -> TermRead:
    """A term with its rule (`max_courses_per_member`, e.g. 5) and selection window: members of
    the communities the division holds choose in it; then the staff allocate by lottery."""
    return TermRead.model_validate(
        await service.open_term(session, term_in=term_in, principal=principal)
    )


@router.get(
    "/course-terms",
    response_model=Page[TermRead],
    summary="List terms",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_terms(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[TermRead]:
    page = await service.list_terms(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )
    return Page[TermRead](
        items=[TermRead.model_validate(t) for t in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/course-terms/{term_id}",
    response_model=TermRead,
    summary="Read a term",
    responses=problem_responses({403: _UNKNOWN, 404: _NOT_FOUND}),
)
async def read_term(
    session: DbSession, principal: CurrentPrincipal, term_id: uuid.UUID
) -> TermRead:
    return TermRead.model_validate(await service.visible_term(session, principal, term_id))


@router.post(
    "/course-terms/{term_id}/courses",
    response_model=CourseRead,
    status_code=201,
    summary="Offer a course in a term",
    responses=problem_responses(
        {403: _RUNS, 404: _NOT_FOUND, 409: "The term is allocated", 422: "Invalid body"}
    ),
)
async def offer(
    session: DbSession, principal: CurrentPrincipal, term_id: uuid.UUID, course_in: CourseCreate
) -> CourseRead:
    """A course with its capacity, sessions and, for some, a minimum age (`min_age` 60: only
    members 60 or older this year, by the birth year the registry holds)."""
    return await service.offer(session, term_id=term_id, course_in=course_in, principal=principal)


@router.get(
    "/course-terms/{term_id}/courses",
    response_model=list[CourseRead],
    summary="List a term's courses",
    responses=problem_responses({403: _UNKNOWN, 404: _NOT_FOUND}),
)
async def courses(
    session: DbSession, principal: CurrentPrincipal, term_id: uuid.UUID
) -> list[CourseRead]:
    """With how many chose each (`oversubscribed` when more than its seats) and, once allocated,
    how many got a seat."""
    return await service.courses(session, term_id=term_id, principal=principal)


@router.post(
    "/course-terms/{term_id}/choices",
    response_model=ChoiceRead,
    status_code=201,
    summary="Choose a course",
    responses=problem_responses(
        {
            403: "A resident for themselves; staff for a member of their scope (`resident_id`)",
            404: _NOT_FOUND + " (or no such course in it)",
            409: "Outside the selection window, chosen already, or not a member it serves",
            422: "A rule: `max_courses_per_member` (a sixth when it is five) or `min_age`",
        }
    ),
)
async def choose(
    session: DbSession, principal: CurrentPrincipal, term_id: uuid.UUID, choice_in: ChoiceIn
) -> ChoiceRead:
    """Your next choice: the order you choose in is your ranking (1 = most wanted), which the
    lottery serves round by round. Seats are not first come: they are drawn after the window."""
    return await service.choose(session, term_id=term_id, choice_in=choice_in, principal=principal)


@router.delete(
    "/course-terms/{term_id}/choices/{course_id}",
    status_code=204,
    summary="Withdraw a choice",
    responses=problem_responses(
        {
            403: "A resident for themselves; staff for a member of their scope (`resident_id`)",
            404: _NOT_FOUND + " (or no such choice)",
            409: "Outside the selection window",
        }
    ),
)
async def withdraw(
    session: DbSession,
    principal: CurrentPrincipal,
    term_id: uuid.UUID,
    course_id: uuid.UUID,
    resident_id: Annotated[uuid.UUID | None, Query(description="Staff: whose choice")] = None,
) -> None:
    """While the window is open: your later choices move up a rank, and the rule counts one
    course fewer."""
    await service.withdraw(
        session, term_id=term_id, course_id=course_id, resident_id=resident_id, principal=principal
    )


@router.get(
    "/course-terms/{term_id}/choices",
    response_model=list[ChoiceRead],
    summary="A member's choices and what the lottery gave",
    responses=problem_responses({403: "Residents read their own", 404: _NOT_FOUND}),
)
async def member_choices(
    session: DbSession,
    principal: CurrentPrincipal,
    term_id: uuid.UUID,
    resident_id: Annotated[uuid.UUID | None, Query(description="Staff: whose choices")] = None,
) -> list[ChoiceRead]:
    return await service.member_choices(
        session, term_id=term_id, resident_id=resident_id, principal=principal
    )


@router.post(
    "/course-terms/{term_id}/allocation",
    response_model=AllocationRead,
    summary="Allocate the term's seats by lottery",
    responses=problem_responses(
        {
            403: _RUNS,
            404: _NOT_FOUND,
            409: "Allocated already, or the window is still open (without `close_early`)",
            422: "Invalid seed",
        }
    ),
)
async def allocate(
    session: DbSession,
    principal: CurrentPrincipal,
    term_id: uuid.UUID,
    allocation_in: AllocationIn,
) -> AllocationRead:
    """A lottery drawn from `seed` (recorded, and random when omitted): the members in a shuffled
    order get their choices round by round, first choices first; nobody more than the term's
    limit, no course over its seats. The same seed and choices give the same result."""
    return await service.allocate(
        session, term_id=term_id, allocation_in=allocation_in, principal=principal
    )


@router.get(
    "/course-terms/{term_id}/allocation",
    response_model=AllocationRead,
    summary="Read the term's allocation and its seed",
    responses=problem_responses({403: _UNKNOWN, 404: _NOT_FOUND, 409: "Not allocated yet"}),
)
async def allocation(
    session: DbSession, principal: CurrentPrincipal, term_id: uuid.UUID
) -> AllocationRead:
    return await service.allocation(session, term_id=term_id, principal=principal)


@router.get(
    "/courses/{course_id}/members",
    response_model=list[ChoiceRead],
    summary="The members allocated a seat on a course",
    responses=problem_responses({403: _RUNS, 404: "No such course"}),
)
async def roster(
    session: DbSession, principal: CurrentPrincipal, course_id: uuid.UUID
) -> list[ChoiceRead]:
    """The course's register, once the term is allocated."""
    return await service.roster(session, course_id=course_id, principal=principal)


@router.post(
    "/courses/{course_id}/sessions/{session_id}/attendance",
    response_model=AttendanceRead,
    summary="Take the register of a session",
    responses=problem_responses(
        {
            403: _RUNS,
            404: "No such course or session",
            422: "Members without a seat on the course (named in `resident_ids`)",
        }
    ),
)
async def attend(
    session: DbSession,
    principal: CurrentPrincipal,
    course_id: uuid.UUID,
    session_id: uuid.UUID,
    attendance_in: AttendanceIn,
) -> AttendanceRead:
    return await service.attend(
        session,
        course_id=course_id,
        session_id=session_id,
        attendance_in=attendance_in,
        principal=principal,
    )
