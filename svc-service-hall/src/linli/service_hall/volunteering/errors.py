"""Refusals of volunteering, each a problem response through the kernel's error tree."""

from __future__ import annotations

from linli.common.errors import Conflict, InvalidInput, NotFound


class OrganisationNotFound(NotFound):
    """No such organisation, or one the caller may not see."""

    problem = "organisation-not-found"
    title_en = "Organisation not found"
    title_zh = "组织不存在"


class VolunteerActivityNotFound(NotFound):
    """No such volunteer activity, or one the caller may not see."""

    problem = "volunteer-activity-not-found"
    title_en = "Volunteer activity not found"
    title_zh = "志愿活动不存在"


class ActivityFull(Conflict):
    """Every place of the volunteer activity is taken."""

    problem = "volunteer-activity-full"
    title_en = "The volunteer activity is full"
    title_zh = "志愿活动名额已满"


class AlreadySignedUp(Conflict):
    """The volunteer signed up already."""

    problem = "volunteer-already-signed-up"
    title_en = "Signed up already"
    title_zh = "已报名"


class NotSignedUp(Conflict):
    """The volunteer did not sign up for this activity."""

    problem = "volunteer-not-signed-up"
    title_en = "Not signed up for this activity"
    title_zh = "未报名该志愿活动"


class WrongStep(Conflict):
    """Check-in twice, check-out before check-in, or hours recorded already."""

    problem = "volunteer-wrong-step"
    title_en = "Not possible at this step"
    title_zh = "当前状态不允许此操作"


class WrongCommunity(Conflict):
    """The volunteer lives in another community than the activity's or organisation's."""

    problem = "wrong-community"
    title_en = "Not a resident of this community"
    title_zh = "非本社区居民"


class BadDuration(InvalidInput):
    """A service time under a minute or over a day: the organiser records such hours."""

    problem = "volunteer-bad-duration"
    title_en = "Service time out of range"
    title_zh = "服务时长不合理"
