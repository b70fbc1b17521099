"""Refusals of the elder college, each a problem response through the kernel's error tree."""

from __future__ import annotations

from linli.common.errors import Conflict, FieldError, InvalidInput, NotFound


class TermNotFound(NotFound):
    """No such term, or one of a college the caller may not see."""

    problem = "course-term-not-found"
    title_en = "Term not found"
    title_zh = "学期不存在"


class CourseNotFound(NotFound):
    """No such course (of this term), or one the caller may not see."""

    problem = "course-not-found"
    title_en = "Course not found"
    title_zh = "课程不存在"


class SessionNotFound(NotFound):
    """No such session of this course."""

    problem = "course-session-not-found"
    title_en = "Session not found"
    title_zh = "课次不存在"


class TooManyCourses(InvalidInput):
    """A choice over the term's limit of courses per member (the rule is named)."""

    problem = "course-limit-reached"
    title_en = "Course limit reached"
    title_zh = "选课数量已达上限"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"rule max_courses_per_member: at most {limit} courses per member in this term; "
            f"you have chosen {limit} already",
            rule="max_courses_per_member",
            limit=limit,
            errors=[
                FieldError(
                    "body.course_id",
                    "course_limit",
                    f"at most {limit} courses per member in this term",
                    f"每学期每人最多选 {limit} 门课程",
                )
            ],
        )


class AgeRuleNotMet(InvalidInput):
    """The course is for members of a minimum age (60+), by birth year."""

    problem = "course-age-rule"
    title_en = "The course has an age rule"
    title_zh = "不符合课程年龄要求"

    def __init__(self, *, min_age: int, born_by: int) -> None:
        super().__init__(
            f"rule min_age: this course is for members aged {min_age} or more "
            f"(born in {born_by} or earlier)",
            rule="min_age",
            min_age=min_age,
            errors=[
                FieldError(
                    "body.course_id",
                    "min_age",
                    f"for members aged {min_age} or more",
                    f"仅限 {min_age} 岁及以上学员",
                )
            ],
        )


class AlreadyChosen(Conflict):
    """The member chose this course already."""

    problem = "course-already-chosen"
    title_en = "Course chosen already"
    title_zh = "已选该课程"


class ChoiceNotFound(NotFound):
    """The member has not chosen this course."""

    problem = "course-choice-not-found"
    title_en = "No such choice"
    title_zh = "未选该课程"


class SelectionClosed(Conflict):
    """The term's selection window is not open (not yet, over, or the term was allocated)."""

    problem = "course-selection-closed"
    title_en = "Course selection is not open"
    title_zh = "不在选课时间内"


class NotOfTheCollege(Conflict):
    """The resident lives outside the division whose college runs the term."""

    problem = "not-of-the-college"
    title_en = "Not a resident the college serves"
    title_zh = "非本学院服务范围居民"


class NotAllocated(InvalidInput):
    """Attendance names members who hold no seat on the course."""

    problem = "course-not-allocated"
    title_en = "Not allocated to this course"
    title_zh = "未被录取该课程"
