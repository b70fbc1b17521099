"""Refusals of the visits domain."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class VisitNotFound(NotFound):
    """No such visit, or not one of the caller's scope."""

    problem = "visit-not-found"
    title_en = "Visit not found"
    title_zh = "走访记录不存在"


class VisitPlaceNotFound(NotFound):
    """The household, building or grid visited is not one of the caller's scope."""

    problem = "visit-place-not-found"
    title_en = "Place not found"
    title_zh = "走访对象不存在"


class TooManyPhotos(Conflict):
    problem = "too-many-photos"
    title_en = "Too many photos"
    title_zh = "照片数量已达上限"
