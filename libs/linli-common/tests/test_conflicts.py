"""Writes that may conflict, against real PostgreSQL: the constraint named by the driver, the
rest of the transaction untouched."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import CheckConstraint, Index, MetaData, String, UniqueConstraint, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from linli.common.conflicts import (
    insert_or_conflict,
    unique_constraints,
    unique_violation,
    write_or_conflict,
)


class _Base(DeclarativeBase):
    metadata = MetaData()


class Place(_Base):
    __tablename__ = "test_conflict_places"
    __table_args__ = (
        UniqueConstraint("community_code", "name", name="uq_test_places_name"),
        # Named like a unique constraint, but a CHECK: matching "uq_" in a message would take it
        # for a name clash.
        CheckConstraint("name <> 'forbidden'", name="uq_looking_check"),
        Index(
            "uq_test_places_live_number",
            "community_code",
            "number",
            unique=True,
            postgresql_where=text("number IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    community_code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(32))
    number: Mapped[int | None]


@pytest.fixture
async def session(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[AsyncSession]:
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.drop_all)
        await conn.run_sync(_Base.metadata.create_all)
    async with sessionmaker() as session, session.begin():
        yield session


def test_the_unique_constraints_of_a_model_include_unique_indexes() -> None:
    assert unique_constraints(Place) == {"uq_test_places_name", "uq_test_places_live_number"}


async def test_a_conflicting_insert_names_its_constraint_and_leaves_the_transaction_usable(
    session: AsyncSession,
) -> None:
    first = Place(community_code="330108001001", name="3幢", number=1)
    assert await insert_or_conflict(session, first) is None

    same_name = Place(community_code="330108001001", name="3幢")
    same_number = Place(community_code="330108001001", name="4幢", number=1)

    assert await insert_or_conflict(session, same_name) == "uq_test_places_name"
    assert await insert_or_conflict(session, same_number) == "uq_test_places_live_number"
    # The transaction goes on: what was written before stays, the refused rows are not there.
    assert (
        await insert_or_conflict(session, Place(community_code="330108001001", name="5幢")) is None
    )
    names = (await session.scalars(select(Place.name).order_by(Place.name))).all()
    assert names == ["3幢", "5幢"]


async def test_a_conflicting_update_is_undone_and_the_session_goes_on(
    session: AsyncSession,
) -> None:
    taken = Place(community_code="330108001001", name="3幢")
    renamed = Place(community_code="330108001001", name="4幢")
    session.add_all([taken, renamed])
    await session.flush()

    async with write_or_conflict(session, on=unique_constraints(Place)) as write:
        renamed.name = "3幢"

    assert write.conflict == "uq_test_places_name"
    await session.refresh(renamed)
    assert renamed.name == "4幢"
    assert await session.scalar(select(text("1"))) == 1


async def test_a_change_made_before_the_block_is_not_guarded_so_it_is_refused_by_design(
    session: AsyncSession,
) -> None:
    """Why changes go inside the block: SQLAlchemy flushes pending changes before a SAVEPOINT."""
    session.add_all([Place(community_code="330108001001", name=n) for n in ("3幢", "4幢")])
    await session.flush()
    renamed = (await session.scalars(select(Place).where(Place.name == "4幢"))).one()
    renamed.name = "3幢"
    with pytest.raises(IntegrityError):
        async with write_or_conflict(session, on=unique_constraints(Place)):
            pass


async def test_other_integrity_errors_are_raised_as_they_are(session: AsyncSession) -> None:
    with pytest.raises(IntegrityError) as caught:
        await insert_or_conflict(session, Place(community_code="330108001001", name="forbidden"))
    assert unique_violation(caught.value) is None

    # A unique constraint the caller did not name is not a conflict it expects either.
    await insert_or_conflict(session, Place(community_code="330108001001", name="3幢"))
    with pytest.raises(IntegrityError) as caught:
        await insert_or_conflict(
            session, Place(community_code="330108001001", name="3幢"), on=["uq_other"]
        )
    assert unique_violation(caught.value) == "uq_test_places_name"
