"""Lists: keyset pages over real PostgreSQL, the division filter and the breakdown by the units
one level below, and cursors we never handed out."""

from __future__ import annotations

import base64
import inspect
import json
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import DateTime, Integer, MetaData, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from linli.common.divisions import DivisionCode, Level
from linli.common.pagination import (
    MAX_CURSOR_LENGTH,
    InvalidCursor,
    Keyset,
    Page,
    child_groups,
    plan_per_call,
    within_division,
)


class _Base(DeclarativeBase):
    metadata = MetaData()


class Row(_Base):
    __tablename__ = "test_pagination_rows"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    community_code: Mapped[str] = mapped_column(String(12, collation="C"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rank: Mapped[int] = mapped_column(Integer)


BY_COMMUNITY = Keyset(Row.community_code, Row.id)
NEWEST_FIRST = Keyset(Row.created_at, Row.id, descending=True)
BY_RANK = Keyset(Row.rank, Row.id)

COMMUNITIES = ["330108001001", "330108001002", "330108002001", "330109001001"]


@pytest.fixture
async def rows(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[list[Row]]:
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [
        Row(
            id=uuid.uuid4(),
            community_code=COMMUNITIES[n % 4],
            # Pairs share a time: the id breaks the tie, so no row is skipped or repeated.
            created_at=start + timedelta(seconds=n // 2),
            rank=n % 3,
        )
        for n in range(23)
    ]
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(Row))
        session.add_all(made)
    yield made
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(Row))


async def walk(
    sessionmaker: async_sessionmaker[AsyncSession], keyset: Keyset, *, limit: int, prefix: str
) -> list[uuid.UUID]:
    seen: list[uuid.UUID] = []
    cursor: str | None = None
    for _ in range(100):
        async with sessionmaker() as session:
            statement = select(Row).where(within_division(Row.community_code, prefix))
            statement = keyset.paginate(statement, after=keyset.decode(cursor), limit=limit)
            found = (await session.scalars(statement)).all()
            page: Page[uuid.UUID] = keyset.page(found, limit=limit, read=lambda row: row.id)
        assert len(page.items) <= limit
        seen += page.items
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("limit", [1, 2, 5, 23, 100])
async def test_pages_hold_every_row_once_in_key_order(
    rows: list[Row], sessionmaker: async_sessionmaker[AsyncSession], limit: int
) -> None:
    by_community = sorted(rows, key=lambda r: (r.community_code, str(r.id)))
    newest_first = sorted(rows, key=lambda r: (r.created_at, str(r.id)), reverse=True)
    by_rank = sorted(rows, key=lambda r: (r.rank, str(r.id)))

    assert await walk(sessionmaker, BY_COMMUNITY, limit=limit, prefix="3301") == [
        r.id for r in by_community
    ]
    assert await walk(sessionmaker, NEWEST_FIRST, limit=limit, prefix="3301") == [
        r.id for r in newest_first
    ]
    assert await walk(sessionmaker, BY_RANK, limit=limit, prefix="3301") == [r.id for r in by_rank]


async def test_within_division_takes_a_code_of_any_level(
    rows: list[Row], sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async def codes(prefix: str) -> set[str]:
        async with sessionmaker() as session:
            await plan_per_call(session)
            found = await session.scalars(
                select(Row.community_code).where(within_division(Row.community_code, prefix))
            )
            return set(found)

    assert await codes("330108001001") == {"330108001001"}
    assert await codes("330108001") == {"330108001001", "330108001002"}
    assert await codes("330108") == {"330108001001", "330108001002", "330108002001"}
    assert await codes("3301") == set(COMMUNITIES[:4])
    assert await codes("3302") == set()
    # Not a code (a LIKE pattern, a scope that is no code, nothing): no row, never every row.
    assert await codes("3301%") == await codes("") == await codes("33O1") == set()


async def test_child_groups_count_what_within_division_of_each_child_counts(
    rows: list[Row], sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async def grouped(prefix: str) -> dict[str, int]:
        groups = child_groups(Row.community_code, prefix)
        assert groups is not None
        async with sessionmaker() as session:
            found = await session.execute(
                select(groups.key, func.count()).where(groups.where).group_by(groups.key)
            )
            return {code: int(n) for code, n in found.all()}

    async def within(prefix: str) -> int:
        async with sessionmaker() as session:
            n = await session.scalar(
                select(func.count()).where(within_division(Row.community_code, prefix))
            )
            return int(n or 0)

    for prefix in ("3301", "330108", "330108001"):
        by_child = await grouped(prefix)
        assert by_child, prefix
        assert {len(code) for code in by_child} == {
            {"3301": 6, "330108": 9, "330108001": 12}[prefix]
        }
        assert by_child == {code: await within(code) for code in by_child}
        assert sum(by_child.values()) == await within(prefix)
    assert child_groups(Row.community_code, "330108001001") is None
    assert DivisionCode.parse("330108").child_level() is Level.STREET
    assert DivisionCode.parse("330108001001").child_level() is None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _json(value: object) -> str:
    return _b64(json.dumps(value).encode())


GOOD = BY_COMMUNITY.encode(Row(community_code="330108001001", id=uuid.uuid4()))

HOSTILE = {
    "not base64": "not a cursor!",
    "truncated": GOOD[: len(GOOD) // 2],
    "not JSON": _b64(b"\xff\xfe{"),
    "an object": _json({"community_code": "330108001001"}),
    "too few values": _json(["330108001001"]),
    "too many values": _json(["330108001001", str(uuid.uuid4()), 1]),
    "a number for a code": _json([330108001001, str(uuid.uuid4())]),
    "not a uuid": _json(["330108001001", "x"]),
    "a NUL in a code": _json(["3301\u0000", str(uuid.uuid4())]),
    "a list for a code": _json([["330108001001"], str(uuid.uuid4())]),
    "nested a little": _json([[[[[]]]], str(uuid.uuid4())]),
    "nested to the length bound": _b64(b"[" * 350 + b"]" * 350),
    "100000 nested lists": _b64(b"[" * 100_000 + b"]" * 100_000),
    "too long": "A" * (MAX_CURSOR_LENGTH + 1),
    "not ASCII": "游标",
    "whitespace inside": GOOD[:4] + " " + GOOD[4:],
}


@pytest.mark.parametrize("cursor", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_cursor_we_did_not_hand_out_is_invalid_cursor(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as caught:
        BY_COMMUNITY.decode(cursor)
    assert caught.value.status == 422
    assert caught.value.problem == "invalid-cursor"


@pytest.mark.parametrize(
    "values",
    [
        ["2026-01-01T00:00:00", str(uuid.uuid4())],  # naive: the column is timestamptz
        ["yesterday", str(uuid.uuid4())],
        [1767225600, str(uuid.uuid4())],
    ],
)
def test_a_time_must_be_an_aware_iso_time(values: list[object]) -> None:
    with pytest.raises(InvalidCursor):
        NEWEST_FIRST.decode(_json(values))


@pytest.mark.parametrize("rank", [True, 1.5, "1", 2**63, -(2**63) - 1])
def test_an_integer_must_be_a_64_bit_integer(rank: object) -> None:
    with pytest.raises(InvalidCursor):
        BY_RANK.decode(_json([rank, str(uuid.uuid4())]))


def test_nesting_deeper_than_the_stack_allows_is_invalid_cursor_not_recursion_error() -> None:
    nested = _b64(b"[" * 350 + b"]" * 350)
    assert len(nested) <= MAX_CURSOR_LENGTH
    depth = len(inspect.stack())
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)  # a deep call stack leaves JSON less room than 350
    try:
        with pytest.raises(InvalidCursor):
            BY_COMMUNITY.decode(nested)
    finally:
        sys.setrecursionlimit(limit)


def test_a_cursor_round_trips_and_no_cursor_is_the_first_page() -> None:
    row = Row(id=uuid.uuid4(), created_at=datetime(2026, 5, 1, 8, 30, 0, 123456, tzinfo=UTC))
    assert NEWEST_FIRST.decode(NEWEST_FIRST.encode(row)) == (row.created_at, row.id)
    assert BY_COMMUNITY.decode(None) is None
    assert BY_COMMUNITY.decode("") is None
