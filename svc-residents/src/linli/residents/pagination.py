"""Cursor pagination shared by every list of this service: opaque cursors, one page envelope."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, Field

from linli.common.errors import InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list; pass `next_cursor` back as `cursor` to get the next one (null at the end)."""

    items: list[ItemT]
    next_cursor: str | None = Field(
        default=None,
        description="Opaque; send it back unchanged as `cursor`. Null on the last page.",
    )


class InvalidCursor(InvalidInput):
    """A cursor that this service did not hand out (or from another list)."""

    problem = "invalid-cursor"
    title_en = "Invalid cursor"
    title_zh = "分页游标无效"


def encode_cursor(*values: Any) -> str:
    """Cursors are the sort key of the last row, base64url JSON: opaque to clients, not secret."""
    return base64.urlsafe_b64encode(json.dumps(list(values), default=str).encode()).decode()


def decode_cursor(cursor: str, *, size: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise bad_cursor() from exc
    if not isinstance(values, list) or len(values) != size:
        raise bad_cursor()
    return values


def bad_cursor() -> InvalidCursor:
    return InvalidCursor(
        "cursor is not one this list handed out",
        errors=[{"field": "query.cursor", "message": "invalid cursor", "type": "invalid_cursor"}],
    )


def decode_community_cursor(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    """The (community_code, id) key of a list kept in community order, or None for page one."""
    if not cursor:
        return None
    community_code, row_id = decode_cursor(cursor, size=2)
    try:
        return str(community_code), uuid.UUID(str(row_id))
    except ValueError as exc:
        raise bad_cursor() from exc


class _CommunityRow(Protocol):
    community_code: str
    id: uuid.UUID


RowT = TypeVar("RowT", bound=_CommunityRow)


def community_page(
    rows: Sequence[RowT], *, limit: int, read: Callable[[RowT], ItemT]
) -> Page[ItemT]:
    """A page from `limit + 1` rows fetched in (community_code, id) order."""
    shown = rows[:limit]
    last = shown[-1] if shown else None
    return Page[ItemT](
        items=[read(row) for row in shown],
        next_cursor=(
            encode_cursor(last.community_code, str(last.id))
            if last is not None and len(rows) > limit
            else None
        ),
    )
