"""Per-community counters behind the statistics of any division: changed in the same transaction as
every registry change, so a city's figures are a sum over its communities' rows, never a scan of
its residents.

Age bands change every day without any row changing, so people are counted by birth date and the
bands are derived when read: per birth year (every year is summed whole) and per birth date (read
only for the few years in which a band boundary falls today).

No CHECK (n >= 0): PostgreSQL checks the row an `INSERT … ON CONFLICT DO UPDATE` proposes before it
finds the conflict, so a decrement (a negative proposed row) would be refused. The tests recount.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import division_code_type
from linli.residents.models.base import Base


class CommunityCounter(Base):
    """Live residents, live households and registrations waiting for review, of one community."""

    __tablename__ = "community_counters"

    # No foreign key: counters are written last in every transaction, and a key check would lock
    # the division row for share on every write.
    community_code: Mapped[str] = mapped_column(division_code_type(), primary_key=True)
    residents: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    households: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    pending_registrations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CommunityTagCount(Base):
    """Live residents of one community carrying one stored tag."""

    __tablename__ = "community_tag_counts"

    community_code: Mapped[str] = mapped_column(division_code_type(), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False)


class CommunityBirthYearCount(Base):
    """Live residents of one community born in one year."""

    __tablename__ = "community_birth_year_counts"

    community_code: Mapped[str] = mapped_column(division_code_type(), primary_key=True)
    birth_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False)


class CommunityBirthDateCount(Base):
    """Live residents of one community born on one day."""

    __tablename__ = "community_birth_date_counts"

    community_code: Mapped[str] = mapped_column(division_code_type(), primary_key=True)
    birth_date: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (
        # A district's or city's boundary years: a date range over every community of the prefix.
        Index("ix_community_birth_date_counts_birth_date", "birth_date", "community_code"),
    )
