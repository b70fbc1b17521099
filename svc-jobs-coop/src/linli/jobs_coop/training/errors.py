"""Refusals of training."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class CourseNotFound(NotFound):
    """No course or session with this id within the caller's reach."""

    problem = "course-not-found"
    title_en = "Course or session not found"
    title_zh = "课程或班次不存在"


class SessionFull(Conflict):
    """Every seat of the session is taken; `capacity` says how many there are."""

    problem = "session-full"
    title_en = "The session is full"
    title_zh = "该班次已满"


class AlreadyEnrolled(Conflict):
    """The member has a seat in this session already."""

    problem = "already-enrolled"
    title_en = "Enrolled already"
    title_zh = "已报名"


class NotEnrolled(Conflict):
    """The member has no seat in this session."""

    problem = "not-enrolled"
    title_en = "Not enrolled in this session"
    title_zh = "未报名该班次"


class NotAttended(Conflict):
    """A certificate needs recorded attendance."""

    problem = "not-attended"
    title_en = "Attendance is not recorded"
    title_zh = "未记录出勤，不能发证"


class AlreadyCertified(Conflict):
    """The member was certified by this session already."""

    problem = "already-certified"
    title_en = "Certified already"
    title_zh = "已发证"
