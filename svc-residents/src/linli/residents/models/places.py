"""Places below the community: grids (网格) and the housing tree 苑区 → 楼栋 → 单元 → 户.

Every place carries its community's code, so a scope check is one prefix match on its own row.
Buildings are named uniquely within their community (a registration's address names a building
by name alone); courts only group buildings.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linli.common.models import created_at_column, division_code_type, new_id, updated_at_column
from linli.residents.models.base import Base


class Grid(Base):
    """A grid (网格) of a community, numbered within it; its grid workers hold its id in their token."""

    __tablename__ = "grids"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("number > 0", name="number_positive"),
        UniqueConstraint("community_code", "number", name="uq_grids_community_number"),
    )

    @property
    def code(self) -> str:
        """`330108001001-01`: the community and the grid's number, as staff write it."""
        return f"{self.community_code}-{self.number:02d}"


class Court(Base):
    """A residential court (苑区/小区) grouping buildings of one community."""

    __tablename__ = "courts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (UniqueConstraint("community_code", "name", name="uq_courts_community_name"),)


class Building(Base):
    """A building (楼栋), optionally in a court and assigned to a grid."""

    __tablename__ = "buildings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    court_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("courts.id"), nullable=True
    )
    grid_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("grids.id"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("community_code", "name", name="uq_buildings_community_name"),
        Index("ix_buildings_court_id", "court_id"),
        Index("ix_buildings_grid_id", "grid_id"),
    )


class Unit(Base):
    """A unit (单元, one stairwell) of a building."""

    __tablename__ = "units"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    building_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("buildings.id"), nullable=False
    )
    # Copied from the building: scope checks and lists never need a join.
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    building: Mapped[Building] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (UniqueConstraint("building_id", "name", name="uq_units_building_name"),)


class Dwelling(Base):
    """A dwelling (户, one door) of a unit; `name` is the room number."""

    __tablename__ = "dwellings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    unit_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("units.id"), nullable=False
    )
    # Copied from the unit: a building's residents are found without walking the tree.
    building_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("buildings.id"), nullable=False
    )
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("unit_id", "name", name="uq_dwellings_unit_name"),
        Index("ix_dwellings_building_id", "building_id"),
    )

    @property
    def address(self) -> str:
        """`<building>-<unit>-<room>`, the form events have always carried."""
        return f"{self.unit.building.name}-{self.unit.name}-{self.name}"
