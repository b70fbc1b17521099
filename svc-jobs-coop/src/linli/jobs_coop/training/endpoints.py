"""HTTP of training: courses, sessions, enrolment, attendance, certificates."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DivisionFilter
from linli.jobs_coop.training import service
from linli.jobs_coop.training.schemas import (
    AttendanceIn,
    CertifyIn,
    CourseCreate,
    CourseRead,
    EnrolIn,
    EnrolmentRead,
    SessionCreate,
    SessionRead,
)

router = APIRouter(tags=["training"], route_class=IdempotentRoute)

_SEAT = problem_responses(
    {
        403: "Not a pool member (a coordinator names `member_id`)",
        404: "No such session or member within your reach",
        409: "Full (`capacity`), enrolled already, not enrolled, not attended, or certified already",
        422: "Invalid fields (each listed)",
    }
)


@router.post(
    "/courses",
    response_model=CourseRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses({403: "Only coordinators, in their scope", 422: "Invalid fields"}),
)
async def create_course(
    session: DbSession, principal: CurrentPrincipal, course_in: CourseCreate
) -> CourseRead:
    """A course (技能培训) teaching one skill up to a level."""
    return await service.create_course(session, principal=principal, course_in=course_in)


@router.get(
    "/courses",
    response_model=list[CourseRead],
    responses=problem_responses({403: "A division outside your reach"}),
)
async def list_courses(
    session: DbSession, principal: CurrentPrincipal, division: DivisionFilter = None
) -> list[CourseRead]:
    return await service.list_courses(session, principal=principal, division=division)


@router.post(
    "/courses/{course_id}/sessions",
    response_model=SessionRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {403: "Only coordinators", 404: "No such course in your scope", 422: "Invalid fields"}
    ),
)
async def schedule_session(
    session: DbSession, principal: CurrentPrincipal, course_id: uuid.UUID, session_in: SessionCreate
) -> SessionRead:
    return await service.schedule(
        session, principal=principal, course_id=course_id, session_in=session_in
    )


@router.get(
    "/courses/{course_id}/sessions",
    response_model=list[SessionRead],
    responses=problem_responses({404: "No such course within your reach"}),
)
async def list_sessions(
    session: DbSession, principal: CurrentPrincipal, course_id: uuid.UUID
) -> list[SessionRead]:
    return await service.sessions(session, principal=principal, course_id=course_id)


@router.post(
    "/training-sessions/{session_id}/enrolments",
    response_model=EnrolmentRead,
    status_code=status.HTTP_201_CREATED,
    responses=_SEAT,
)
async def enrol(
    session: DbSession, principal: CurrentPrincipal, session_id: uuid.UUID, enrol_in: EnrolIn
) -> EnrolmentRead:
    """Take a seat: never past the session's capacity, however many enrol at once."""
    return await service.enrol(
        session, principal=principal, session_id=session_id, enrol_in=enrol_in
    )


@router.post(
    "/training-sessions/{session_id}/attendance", response_model=EnrolmentRead, responses=_SEAT
)
async def record_attendance(
    session: DbSession,
    principal: CurrentPrincipal,
    session_id: uuid.UUID,
    attendance_in: AttendanceIn,
) -> EnrolmentRead:
    """Record whether an enrolled member attended (coordinators)."""
    return await service.record_attendance(
        session, principal=principal, session_id=session_id, attendance_in=attendance_in
    )


@router.post(
    "/training-sessions/{session_id}/certificates",
    response_model=EnrolmentRead,
    status_code=status.HTTP_201_CREATED,
    responses=_SEAT,
)
async def certify(
    session: DbSession, principal: CurrentPrincipal, session_id: uuid.UUID, certify_in: CertifyIn
) -> EnrolmentRead:
    """Certify a member who attended: the course's skill becomes theirs at its level, so the
    matching offers them the enterprises' orders that need it."""
    return await service.certify(
        session, principal=principal, session_id=session_id, certify_in=certify_in
    )
