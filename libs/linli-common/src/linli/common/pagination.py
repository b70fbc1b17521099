"""What every list shares: one page envelope, one keyset cursor, one limit policy, one filter by
division (the query parameter `division`, and `within_division` in SQL), and one breakdown of a
division's figures by the units one level below it (`children=true`, `child_groups` in SQL).

A list is read in the order of a unique key (its last column an id), a page at a time: the
cursor is the key of the page's last row, so the next page starts after it whatever was written
meanwhile, and no page costs an OFFSET scan. Cursors are opaque to clients, not secret.

    ORDER = Keyset(Household.community_code, Household.id)

    after = ORDER.decode(cursor)                  # 422 invalid-cursor for anything we did not hand out
    statement = ORDER.paginate(select(Household).where(...), after=after, limit=limit)
    return ORDER.page((await session.scalars(statement)).all(), limit=limit, read=HouseholdRead.from_model)
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    literal,
    literal_column,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from linli.common.divisions import LEVEL_LENGTH, DivisionCode, DivisionCodeStr
from linli.common.errors import FieldError, InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# A cursor holds a few sort-key values (codes, a name or address, a time, an id): a few hundred
# characters. The bound keeps a forged one from being decoded at all, and with it JSON's nesting
# depth well below the interpreter's recursion limit.
MAX_CURSOR_LENGTH = 1024

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}")]
"""The `limit` query parameter of every list: `limit: Limit = DEFAULT_LIMIT`."""

Cursor = Annotated[
    str | None,
    Query(description="`next_cursor` of the previous page, unchanged; omit for the first page"),
]
"""The `cursor` query parameter of every list: `cursor: Cursor = None`."""

DivisionFilter = Annotated[
    DivisionCodeStr | None,
    Query(
        description="A community (12 digits), or a street (9), district (6) or city (4) code for "
        "its whole subtree; defaults to your scope. Outside your scope: 403."
    ),
]
"""The `division` filter every list takes, by that one name: `division: DivisionFilter = None`."""

ChildrenFlag = Annotated[
    bool,
    Query(
        description="true: also the same figures for every unit one level below `division` (a "
        "city's districts, a district's streets, a street's communities; a community has none), "
        "as `children`, in this one call. Omitted or false: `children` is null."
    ),
]
"""The `children` flag of a statistics endpoint: `children: ChildrenFlag = False`."""

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")
SelectT = TypeVar("SelectT", bound=Select[Any])

_DIVISION_PREFIX = re.compile(r"[0-9]{1,12}")
_INT64 = range(-(2**63), 2**63)


class Page(BaseModel, Generic[ItemT]):
    """One page of a list; pass `next_cursor` back as `cursor` to get the next one (null at the end)."""

    items: list[ItemT]
    next_cursor: str | None = Field(
        default=None,
        description="Opaque; send it back unchanged as `cursor`. Null on the last page.",
    )


class InvalidCursor(InvalidInput):
    """A cursor that this list did not hand out (forged, truncated, or from another list)."""

    problem = "invalid-cursor"
    title_en = "Invalid cursor"
    title_zh = "分页游标无效"

    def __init__(self) -> None:
        super().__init__(
            "cursor is not one this list handed out",
            errors=[FieldError("query.cursor", "invalid_cursor", "invalid cursor", "分页游标无效")],
        )


class Keyset:
    """The sort key of a list: its columns in order, all ascending or all descending. The last
    column must make the key unique (an id), or rows sharing a key would be skipped."""

    def __init__(self, *columns: InstrumentedAttribute[Any], descending: bool = False) -> None:
        if not columns:
            raise ValueError("a keyset needs at least one column")
        self.columns = columns
        self.descending = descending
        self._types = tuple(_python_type(column) for column in columns)

    def encode(self, row: Any) -> str:
        """The cursor after `row`: its key as base64url JSON, without padding."""
        values = [_jsonable(getattr(row, column.key)) for column in self.columns]
        raw = json.dumps(values, ensure_ascii=True, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str | None) -> tuple[Any, ...] | None:
        """The key a cursor of this list holds, None for the first page (no or empty cursor);
        422 `invalid-cursor` for anything else, whatever its length, nesting or types."""
        if not cursor:
            return None
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise InvalidCursor()
        try:
            raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
            values = json.loads(raw)
        except (binascii.Error, ValueError, RecursionError) as exc:
            raise InvalidCursor() from exc
        if not isinstance(values, list) or len(values) != len(self._types):
            raise InvalidCursor()
        return tuple(_typed(kind, value) for kind, value in zip(self._types, values, strict=True))

    def paginate(self, statement: SelectT, *, after: tuple[Any, ...] | None, limit: int) -> SelectT:
        """`statement` in key order, from after `after`, one row more than `limit` (the extra row
        says another page follows, without a count query)."""
        if after is not None:
            key = tuple_(*self.columns)
            bound = tuple_(
                *(
                    literal(value, column.type)
                    for value, column in zip(after, self.columns, strict=True)
                )
            )
            statement = statement.where(key < bound if self.descending else key > bound)
        order = [column.desc() for column in self.columns] if self.descending else self.columns
        return statement.order_by(*order).limit(limit + 1)

    def page(
        self, rows: Sequence[RowT], *, limit: int, read: Callable[[RowT], ItemT]
    ) -> Page[ItemT]:
        """The page from the `limit + 1` rows `paginate` fetched."""
        shown = rows[:limit]
        more = len(rows) > limit and bool(shown)
        return Page[ItemT](
            items=[read(row) for row in shown],
            next_cursor=self.encode(shown[-1]) if more else None,
        )


def within_division(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None], prefix: str
) -> ColumnElement[bool]:
    """Rows whose code lies in the division `prefix` (a code of any level) or below it.

    The column must have collation "C" (digits compared byte-wise): then every code starting
    with `330108` is the range [330108, 330108:) (":" follows "9"), which a btree index serves;
    a full 12-digit code is an equality, so the whole key is used. One prepared statement then
    serves every level, so an aggregate over a prefix plans per call (`plan_per_call`).
    """
    if not _DIVISION_PREFIX.fullmatch(prefix):
        # No code starts with anything but digits: nothing matches (an empty prefix included,
        # which fails closed rather than open).
        return false()
    if len(prefix) == 12:
        return column == prefix
    return and_(column >= prefix, column < prefix + ":")


@dataclass(frozen=True, slots=True)
class ChildGroups:
    """A breakdown of a division by the units one level below it: group by `key` (the row's code
    cut to the child level's length) the rows `where` keeps (inside the division, and at or
    below the child level: a row of the division itself, say a street's own fund, is in no
    child)."""

    key: ColumnElement[str]
    where: ColumnElement[bool]


def child_groups(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None], prefix: str
) -> ChildGroups | None:
    """How to group `column` by the children of the division `prefix`; None for a community
    (nothing below it). Each group's figures are those `within_division(column, child)` gives."""
    level = DivisionCode.parse(prefix).child_level()
    if level is None:
        return None
    length = LEVEL_LENGTH[level]
    # The length is written into the SQL, not bound: PostgreSQL takes `substr(code, $1, $2)` in
    # the select list and `substr(code, $3, $4)` in GROUP BY for different expressions.
    return ChildGroups(
        key=func.substr(column, literal_column("1"), literal_column(str(length))),
        where=and_(within_division(column, prefix), func.length(column) >= length),
    )


async def plan_per_call(session: AsyncSession) -> None:
    """Plan this transaction's queries for their actual division, never from a cached plan.

    After five runs PostgreSQL may keep a generic plan for a prepared statement: a city's scan of
    every row then serves a street too (57 ms instead of 13 ms at 3,000 communities,
    bench/stats_counters_vs_scan.py).
    """
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _python_type(column: InstrumentedAttribute[Any]) -> type:
    kind: type = column.type.python_type
    if kind not in (str, int, uuid.UUID, datetime):
        raise TypeError(f"a keyset column of type {kind.__name__} is not supported: {column}")
    return kind


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _typed(kind: type, value: Any) -> Any:
    """A cursor's value as the column's type, or InvalidCursor: nothing else reaches SQL."""
    try:
        if kind is int and type(value) is int and value in _INT64:
            return value
        if not isinstance(value, str) or "\x00" in value:
            raise InvalidCursor()
        if kind is str:
            return value
        if kind is uuid.UUID:
            return uuid.UUID(value)
        if kind is datetime:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise InvalidCursor()
            return moment
    except ValueError as exc:
        raise InvalidCursor() from exc
    raise InvalidCursor()


__all__ = [
    "DEFAULT_LIMIT",
    "MAX_CURSOR_LENGTH",
    "MAX_LIMIT",
    "ChildGroups",
    "ChildrenFlag",
    "Cursor",
    "DivisionFilter",
    "InvalidCursor",
    "Keyset",
    "Limit",
    "Page",
    "child_groups",
    "plan_per_call",
    "within_division",
]
