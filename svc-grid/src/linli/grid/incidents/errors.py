"""Refusals of the incidents domain, each a problem response through the kernel's error tree."""

from __future__ import annotations

from linli.common import errors
from linli.common.errors import Conflict, InvalidInput, NotFound


class IncidentNotFound(NotFound):
    """No such incident, or one outside the caller's reach (never confirmed either way)."""

    problem = "incident-not-found"
    title_en = "Incident not found"
    title_zh = "事件不存在"


class IllegalMove(errors.IllegalMove):
    """The step is not allowed from the incident's current state; names the moves that are."""

    noun = "an incident"
    title_en = "Not allowed in the incident's current state"


class CategoryTaken(Conflict):
    """A category with this code exists."""

    problem = "category-taken"
    title_en = "Category code taken"
    title_zh = "类别代码已存在"


class UnknownReference(InvalidInput):
    """A field names a category, place or incident that does not exist."""

    problem = "unknown-reference"
    title_en = "Unknown reference"
    title_zh = "引用的对象不存在"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(
            message, errors=[{"field": field, "message": message, "type": "unknown_reference"}]
        )


class AssigneeNotServing(InvalidInput):
    """At the community level an incident goes to a grid worker assigned to its grid (or, with
    no grid, to one of its community's grids)."""

    problem = "assignee-not-serving"
    title_en = "The handler does not serve the incident's grid"
    title_zh = "处理人不负责该事件所在网格"

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            errors=[{"field": "body.assignee_subject", "message": message, "type": "not_serving"}],
        )
