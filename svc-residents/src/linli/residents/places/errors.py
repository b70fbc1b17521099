"""Refusals of the places registry."""

from __future__ import annotations

from linli.common.errors import Conflict, FieldError, InvalidInput, NotFound


class PlaceNotFound(NotFound):
    """No grid, court, building, unit or dwelling with this id that the caller may see."""

    problem = "place-not-found"
    title_en = "Place not found"
    title_zh = "地点不存在"


class PlaceNameTaken(Conflict):
    """Another place of the same parent already has this name (or a grid this number)."""

    problem = "place-name-taken"
    title_en = "Name already taken"
    title_zh = "名称已被占用"


class PlaceInUse(Conflict):
    """The place still holds others (buildings, units, dwellings, households): empty it first."""

    problem = "place-in-use"
    title_en = "Place in use"
    title_zh = "该地点仍在使用"


class PlaceOutsideCommunity(InvalidInput):
    """A court or grid named in the body is not one of the community's (or does not exist)."""

    problem = "place-outside-community"
    title_en = "Not a place of this community"
    title_zh = "不属于该社区"

    def __init__(self, field: str, community_code: str) -> None:
        kind = field.removesuffix("_id")
        message = f"no such {kind} in community {community_code}"
        kind_zh = {"grid": "网格", "court": "小区"}.get(kind, kind)
        error = FieldError(
            f"body.{field}", "outside_community", message, f"社区 {community_code} 没有该{kind_zh}"
        )
        super().__init__(message, errors=[error])
