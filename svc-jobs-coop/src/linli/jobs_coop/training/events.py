"""Events of training: courses, sessions, enrolment, attendance and certificates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from linli.jobs_coop.event_frame import CoopEvent
from linli.jobs_coop.models import EnrolmentStatus


class CourseCreated(CoopEvent):
    entity: ClassVar[str] = "course"
    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.jobs-coop.course.created.v1"] = "cn.linli.jobs-coop.course.created.v1"
    course_id: uuid.UUID
    title: str
    skill: str
    level: int


class SessionScheduled(CoopEvent):
    entity: ClassVar[str] = "training_session"
    verb: ClassVar[str] = "scheduled"

    type: Literal["cn.linli.jobs-coop.training_session.scheduled.v1"] = (
        "cn.linli.jobs-coop.training_session.scheduled.v1"
    )
    session_id: uuid.UUID
    course_id: uuid.UUID
    starts_at: datetime
    capacity: int


class TraineeEnrolled(CoopEvent):
    entity: ClassVar[str] = "trainee"
    verb: ClassVar[str] = "enrolled"

    type: Literal["cn.linli.jobs-coop.trainee.enrolled.v1"] = (
        "cn.linli.jobs-coop.trainee.enrolled.v1"
    )
    session_id: uuid.UUID
    member_id: uuid.UUID


class AttendanceRecorded(CoopEvent):
    entity: ClassVar[str] = "trainee"
    verb: ClassVar[str] = "attendance_recorded"

    type: Literal["cn.linli.jobs-coop.trainee.attendance_recorded.v1"] = (
        "cn.linli.jobs-coop.trainee.attendance_recorded.v1"
    )
    session_id: uuid.UUID
    member_id: uuid.UUID
    status: EnrolmentStatus


class CertificateIssued(CoopEvent):
    """A trainee was certified: the skill is theirs at the course's level, so matching offers
    them the orders that need it."""

    entity: ClassVar[str] = "certificate"
    verb: ClassVar[str] = "issued"

    type: Literal["cn.linli.jobs-coop.certificate.issued.v1"] = (
        "cn.linli.jobs-coop.certificate.issued.v1"
    )
    certificate_id: uuid.UUID
    session_id: uuid.UUID
    member_id: uuid.UUID
    skill: str
    level: int
