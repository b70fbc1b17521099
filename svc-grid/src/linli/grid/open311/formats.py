"""GeoReport v2's two formats: the same dicts as a JSON document or an XML one, errors included."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import xmltodict  # type: ignore[import-untyped]  # no stubs for 0.14 (georeport pins it)
from fastapi import Response

from linli.grid.open311.errors import Open311Error

# Timestamps are given in the platform's civil time (China has one zone and no DST), with its
# offset, as the standard's W3C format asks: `2026-12-03T21:05:00+08:00`.
CHINA = timezone(timedelta(hours=8))


class Format(StrEnum):
    JSON = "json"
    XML = "xml"


MEDIA_TYPES = {Format.JSON: "application/json", Format.XML: "text/xml"}


def format_of(name: str) -> Format:
    """The format a path's extension names; 404 for any other (answered in JSON)."""
    try:
        return Format(name)
    except ValueError:
        raise Open311Error(404, f"no format {name[:10]!r}: json or xml") from None


def timestamp(at: datetime | None) -> str | None:
    return at.astimezone(CHINA).isoformat(timespec="seconds") if at is not None else None


def render(
    fmt: Format, document: Any, *, root: str, item: str | None = None, status: int = 200
) -> Response:
    """`document` (a list of `item`s under `root`, or one object named `root`) in `fmt`."""
    if fmt is Format.JSON:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    else:
        tree = {root: {item: [_xml(entry) for entry in document]} if item else _xml(document)}
        body = xmltodict.unparse(tree, encoding="utf-8")
    return Response(body, status_code=status, media_type=MEDIA_TYPES[fmt])


def _xml(value: Any) -> Any:
    """Values as XML text: booleans in lower case, absent values as empty elements."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {key: _xml(inner) for key, inner in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_xml(inner) for inner in value]
    return str(value)


def error_response(fmt: Format, error: Open311Error) -> Response:
    errors = [{"code": error.status, "description": d} for d in error.descriptions]
    return render(fmt, errors, root="errors", item="error", status=error.status)


def path_format(path: str) -> Format:
    """The format an error is answered in: the one the path asked for, JSON otherwise."""
    return Format.XML if path.endswith(".xml") else Format.JSON
