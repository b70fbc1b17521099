"""Work staged in a transaction runs once, just before the real commit, and never after a rollback."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from linli.common.transaction import peek, stage, take

Sessions = async_sessionmaker[AsyncSession]


def write_notes(session: Session, notes: list[str]) -> None:
    for note in notes:
        session.execute(
            text("INSERT INTO test_effects (event_id, note) VALUES ('staged', :note)"),
            {"note": note},
        )


async def notes(db: Sessions) -> list[str]:
    async with db() as session:
        return list(await session.scalars(text("SELECT note FROM test_effects ORDER BY note")))


async def test_staged_work_runs_once_at_the_commit_with_what_was_added_until_then(
    db: Sessions,
) -> None:
    async with db() as session, session.begin():
        stage(session, "notes", list, write_notes).append("a")
        savepoint = await session.begin_nested()
        stage(session, "notes", list, write_notes).append("b")
        await savepoint.commit()  # a savepoint's release is not the commit
        assert await notes(db) == []
        assert peek(session, "notes") == ["a", "b"]
    assert await notes(db) == ["a", "b"]


async def test_a_rollback_forgets_and_take_unstages(db: Sessions) -> None:
    async with db() as session:
        async with session.begin():
            stage(session, "notes", list, write_notes).append("lost")
            await session.rollback()
        async with session.begin():
            stage(session, "notes", list, write_notes).append("taken")
            assert take(session, "notes") == ["taken"]
            assert peek(session, "notes") is None
    assert await notes(db) == []
