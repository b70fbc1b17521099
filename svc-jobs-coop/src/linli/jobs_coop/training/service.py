"""Business rules of training (技能培训): coordinators run courses and sessions; pool members
enrol (never past a session's capacity); attendance is recorded; a certificate, for those who
attended, adds the course's skill at its level, so matching offers them orders needing it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.errors import Forbidden
from linli.common.outbox import events_of
from linli.jobs_coop import clock
from linli.jobs_coop.access import member_of, require_coordinator
from linli.jobs_coop.models import (
    Certificate,
    Course,
    Enrolment,
    EnrolmentStatus,
    Member,
    MemberStatus,
    TrainingSession,
)
from linli.jobs_coop.pool.errors import MemberNotFound
from linli.jobs_coop.pool.repository import MemberRepository
from linli.jobs_coop.training.errors import (
    AlreadyCertified,
    AlreadyEnrolled,
    CourseNotFound,
    NotAttended,
    NotEnrolled,
    SessionFull,
)
from linli.jobs_coop.training.events import (
    AttendanceRecorded,
    CertificateIssued,
    CourseCreated,
    SessionScheduled,
    TraineeEnrolled,
)
from linli.jobs_coop.training.repository import TrainingRepository
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


async def create_course(
    session: AsyncSession, *, principal: Principal, course_in: CourseCreate
) -> CourseRead:
    require_coordinator(principal)
    principal.require_scope(course_in.community_code)
    course = Course(**course_in.model_dump())
    session.add(course)
    await session.flush()
    await events_of(session).record(
        CourseCreated(
            community_code=course.community_code,
            course_id=course.id,
            title=course.title,
            skill=course.skill,
            level=course.level,
        ),
        subject_id=course.id,
    )
    return _course_read(course)


async def list_courses(
    session: AsyncSession, *, principal: Principal, division: str | None
) -> list[CourseRead]:
    """Courses of a division: staff of their scope, a pool member their community's."""
    member = await member_of(session, principal)
    scope = member.community_code if member is not None else principal.scope
    if member is None:
        require_coordinator(principal)
    prefix = division or scope
    if not prefix.startswith(scope):
        raise Forbidden(f"division {prefix} lies outside your reach {scope}")
    return [_course_read(c) for c in await TrainingRepository(session).courses(prefix)]


async def _visible_course(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID
) -> Course:
    course = await TrainingRepository(session).course(course_id)
    if course is None:
        raise CourseNotFound()
    member = await member_of(session, principal)
    if principal.covers(course.community_code) or (
        member is not None and member.community_code == course.community_code
    ):
        return course
    raise CourseNotFound()


async def schedule(
    session: AsyncSession, *, principal: Principal, course_id: uuid.UUID, session_in: SessionCreate
) -> SessionRead:
    require_coordinator(principal)
    course = await _visible_course(session, principal, course_id)
    if not principal.covers(course.community_code):
        raise CourseNotFound()
    run = TrainingSession(
        course_id=course.id, community_code=course.community_code, **session_in.model_dump()
    )
    session.add(run)
    await session.flush()
    await events_of(session).record(
        SessionScheduled(
            community_code=run.community_code,
            session_id=run.id,
            course_id=course.id,
            starts_at=run.starts_at,
            capacity=run.capacity,
        ),
        subject_id=run.id,
    )
    return _session_read(run)


async def sessions(
    session: AsyncSession, *, principal: Principal, course_id: uuid.UUID
) -> list[SessionRead]:
    course = await _visible_course(session, principal, course_id)
    return [_session_read(s) for s in await TrainingRepository(session).sessions_of(course.id)]


async def _session_and_member(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID, member_id: uuid.UUID | None
) -> tuple[TrainingSession, Member]:
    run = await TrainingRepository(session).training_session(session_id)
    if run is None:
        raise CourseNotFound()
    if member_id is None:
        member = await member_of(session, principal)
        if member is None:
            raise Forbidden("only a pool member enrols (a coordinator names member_id)")
    else:
        require_coordinator(principal)
        member = await MemberRepository(session).get(member_id)
        if member is None or not principal.covers(member.community_code):
            raise MemberNotFound()
    if member.community_code != run.community_code:
        raise CourseNotFound()
    if member.status is not MemberStatus.ACTIVE:
        raise MemberNotFound("the member has left the pool")
    return run, member


async def enrol(
    session: AsyncSession, *, principal: Principal, session_id: uuid.UUID, enrol_in: EnrolIn
) -> EnrolmentRead:
    run, member = await _session_and_member(session, principal, session_id, enrol_in.member_id)
    enrolment = Enrolment(session_id=run.id, member_id=member.id, status=EnrolmentStatus.ENROLLED)
    if await insert_or_conflict(session, enrolment):
        raise AlreadyEnrolled()
    if not await TrainingRepository(session).take_seat(run.id):
        # The enrolment row goes with the request's rollback.
        raise SessionFull(f"all {run.capacity} seats are taken", capacity=run.capacity)
    await events_of(session).record(
        TraineeEnrolled(community_code=run.community_code, session_id=run.id, member_id=member.id),
        subject_id=run.id,
    )
    return EnrolmentRead(session_id=run.id, member_id=member.id, status=enrolment.status)


async def record_attendance(
    session: AsyncSession,
    *,
    principal: Principal,
    session_id: uuid.UUID,
    attendance_in: AttendanceIn,
) -> EnrolmentRead:
    run, member = await _session_and_member(session, principal, session_id, attendance_in.member_id)
    enrolment = await TrainingRepository(session).enrolment(run.id, member.id)
    if enrolment is None:
        raise NotEnrolled()
    enrolment.status = (
        EnrolmentStatus.ATTENDED if attendance_in.attended else EnrolmentStatus.ABSENT
    )
    await session.flush()
    await events_of(session).record(
        AttendanceRecorded(
            community_code=run.community_code,
            session_id=run.id,
            member_id=member.id,
            status=enrolment.status,
        ),
        subject_id=run.id,
    )
    return EnrolmentRead(session_id=run.id, member_id=member.id, status=enrolment.status)


async def certify(
    session: AsyncSession, *, principal: Principal, session_id: uuid.UUID, certify_in: CertifyIn
) -> EnrolmentRead:
    run, member = await _session_and_member(session, principal, session_id, certify_in.member_id)
    repository = TrainingRepository(session)
    enrolment = await repository.enrolment(run.id, member.id)
    if enrolment is None:
        raise NotEnrolled()
    if enrolment.status is not EnrolmentStatus.ATTENDED:
        raise NotAttended()
    course = await repository.course(run.course_id)
    assert course is not None
    certificate = Certificate(
        member_id=member.id,
        skill=course.skill,
        level=course.level,
        title=course.title,
        issuer="社区合作社技能培训",
        issued_on=clock.today(),
        session_id=run.id,
    )
    if await insert_or_conflict(session, certificate):
        raise AlreadyCertified()
    await MemberRepository(session).certify_skill(member.id, course.skill, course.level)
    await events_of(session).record(
        CertificateIssued(
            community_code=run.community_code,
            certificate_id=certificate.id,
            session_id=run.id,
            member_id=member.id,
            skill=course.skill,
            level=course.level,
        ),
        subject_id=certificate.id,
    )
    return EnrolmentRead(session_id=run.id, member_id=member.id, status=enrolment.status)


def _course_read(course: Course) -> CourseRead:
    return CourseRead(
        id=course.id,
        community_code=course.community_code,
        title=course.title,
        skill=course.skill,
        level=course.level,
    )


def _session_read(run: TrainingSession) -> SessionRead:
    return SessionRead(
        id=run.id,
        course_id=run.course_id,
        community_code=run.community_code,
        starts_at=run.starts_at,
        ends_at=run.ends_at,
        place=run.place,
        capacity=run.capacity,
        enrolled=run.enrolled,
    )
