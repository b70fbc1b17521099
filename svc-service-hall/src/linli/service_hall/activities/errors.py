"""Refusals of activities and clubs, each a problem response through the kernel's error tree."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class ActivityNotFound(NotFound):
    """No such activity, or one the caller may not see."""

    problem = "activity-not-found"
    title_en = "Activity not found"
    title_zh = "活动不存在"


class ClubNotFound(NotFound):
    """No such club, or one the caller may not see."""

    problem = "club-not-found"
    title_en = "Club not found"
    title_zh = "社团不存在"


class AlreadySignedUp(Conflict):
    """The resident holds a place (or a place in the queue) already."""

    problem = "already-signed-up"
    title_en = "Already signed up"
    title_zh = "已报名"


class NotSignedUp(Conflict):
    """The resident holds no place in this activity (not signed up, cancelled, or still waiting)."""

    problem = "not-signed-up"
    title_en = "Not signed up for this activity"
    title_zh = "未报名该活动"


class AlreadyCheckedIn(Conflict):
    """The resident checked in already."""

    problem = "already-checked-in"
    title_en = "Already checked in"
    title_zh = "已签到"


class ActivityOver(Conflict):
    """The activity has ended: it takes no more sign-ups or check-ins."""

    problem = "activity-over"
    title_en = "The activity is over"
    title_zh = "活动已结束"


class WrongCommunity(Conflict):
    """The resident lives in another community than the activity's."""

    problem = "wrong-community"
    title_en = "Not a resident of the activity's community"
    title_zh = "非本社区居民"
