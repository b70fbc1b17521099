"""Where each section of the report comes from: a service's statistics endpoint and its figures.

A service that lands statistics later adds one `Source` here; nothing else in the report changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Source:
    """`GET <service>/<path>?division=<code>` answers the section of one unit; its figures are
    the answer's integers (under `root` when given), nested objects of integers flattened as
    `object.key` (`tags.elderly`).

    With `&children=true` the same answer also lists, under `children`, the units one level
    below: each item has the shape of the unit's figures (of `root`'s object when given) and
    names its unit by `code_key`.
    """

    section: str
    service: str
    path: str
    title_zh: str
    root: str | None = None
    code_key: str = "division"

    def figures(self, body: Mapping[str, Any]) -> dict[str, int]:
        if self.root is not None:
            inner = body.get(self.root)
            body = inner if isinstance(inner, Mapping) else {}
        return _counts(body)

    def children(self, body: Mapping[str, Any]) -> dict[str, dict[str, int]] | None:
        """The figures of each unit the answer lists below, by code; None when it lists none
        (a service that does not break down)."""
        items = body.get("children")
        if not isinstance(items, list):
            return None
        return {
            str(item[self.code_key]): _counts(item)
            for item in items
            if isinstance(item, Mapping) and self.code_key in item
        }


def _counts(body: Mapping[str, Any]) -> dict[str, int]:
    figures: dict[str, int] = {}
    for key, value in body.items():
        if _is_count(value):
            figures[key] = value
        elif isinstance(value, Mapping):
            for sub, n in value.items():
                if _is_count(n):
                    figures[f"{key}.{sub}"] = n
    return figures


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


SOURCES: tuple[Source, ...] = (
    Source("residents", "residents", "/stats", "人口与户籍"),
    Source(
        "incidents", "grid", "/incidents/stats", "网格事件", root="total", code_key="community_code"
    ),
    Source("service_hall", "service-hall", "/stats", "办事大厅"),
    Source("funds", "funds", "/stats", "社区基金"),
    Source("jobs_coop", "jobs-coop", "/stats", "就业合作社"),
)
