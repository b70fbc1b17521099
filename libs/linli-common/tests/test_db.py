"""The engine's checkout check and the read session: cheaper than pre-ping and a transaction,
with the same guarantees for what they are used for."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import column, func, insert, literal, select, table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common import db
from linli.common.db import ReadOnlyStatement, create_engine, create_read_sessionmaker


async def test_a_connection_the_server_closed_is_replaced_at_checkout(kernel_db_url: str) -> None:
    engine = create_engine(kernel_db_url, pool_size=1)
    killer = create_engine(kernel_db_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            victim = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with killer.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
        await asyncio.sleep(0.1)  # the event loop reads the server's goodbye
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert pid != victim
    finally:
        await engine.dispose()
        await killer.dispose()


async def test_an_idle_connection_is_pinged(
    kernel_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(kernel_db_url, pool_size=1)
    pings: list[object] = []
    ping = engine.sync_engine.dialect.do_ping

    def counted_ping(conn: Any) -> bool:
        pings.append(conn)
        return ping(conn)

    monkeypatch.setattr(engine.sync_engine.dialect, "do_ping", counted_ping)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        first = len(pings)  # a new connection has no idle time yet: pinged or not, it works
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        assert len(pings) == first  # just returned: no round trip
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
        assert len(pings) == first + 1
    finally:
        await engine.dispose()


async def test_the_read_session_selects_outside_a_transaction(engine: AsyncEngine) -> None:
    sessionmaker = create_read_sessionmaker(engine)
    async with sessionmaker() as session:
        # now() is the transaction's start: in one block, every statement would see the same.
        first = (await session.execute(select(func.now()))).scalar_one()
        await asyncio.sleep(0.01)
        second = (await session.execute(select(func.now()))).scalar_one()
        assert second > first
        assert (await session.execute(select(literal(1)))).scalar_one() == 1


_EFFECTS = table("test_effects", column("event_id"), column("note"))


@pytest.mark.parametrize(
    "statement",
    [
        insert(_EFFECTS).values(event_id="x"),
        _EFFECTS.update().values(note="x"),
        select(_EFFECTS).with_for_update(),
        # Text could be anything: refused too.
        text("INSERT INTO test_effects (event_id) VALUES ('x')"),
    ],
    ids=["insert", "update", "select-for-update", "text"],
)
async def test_the_read_session_refuses_writes_and_locks(
    engine: AsyncEngine, statement: Any
) -> None:
    sessionmaker = create_read_sessionmaker(engine)
    async with sessionmaker() as session:
        with pytest.raises(ReadOnlyStatement):
            await session.execute(statement)
    async with engine.connect() as conn:
        count = (
            await conn.execute(text("SELECT count(*) FROM test_effects WHERE event_id = 'x'"))
        ).scalar_one()
    assert count == 0
