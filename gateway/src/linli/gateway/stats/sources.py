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
    `object.key` (`tags.elderly`)."""

    section: str
    service: str
    path: str
    title_zh: str
    root: str | None = None

    def figures(self, body: Mapping[str, Any]) -> dict[str, int]:
        if self.root is not None:
            inner = body.get(self.root)
            body = inner if isinstance(inner, Mapping) else {}
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
    Source("incidents", "grid", "/incidents/stats", "网格事件", root="total"),
    Source("service_hall", "service-hall", "/stats", "办事大厅"),
    Source("funds", "funds", "/stats", "社区基金"),
    Source("jobs_coop", "jobs-coop", "/stats", "就业合作社"),
)
