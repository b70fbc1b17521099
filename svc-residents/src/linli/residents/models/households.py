"""Households and their residents: the 一户一表 registry itself."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.residents.models.base import (
    Base,
    created_at_column,
    division_code_type,
    str_enum,
    updated_at_column,
)


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class RelationToHead(StrEnum):
    """Relation to the head of the household (与户主关系), as household registers record it."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    CHILD_IN_LAW = "child_in_law"
    PARENT = "parent"
    PARENT_IN_LAW = "parent_in_law"
    GRANDPARENT = "grandparent"
    GRANDCHILD = "grandchild"
    SIBLING = "sibling"
    TENANT = "tenant"
    OTHER = "other"


class Household(Base):
    """One dwelling's household (户), found by its community and address."""

    __tablename__ = "households"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    # Grids are assigned by svc-grid's map; null until the registry learns the household's grid.
    grid_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Free-text address parts until buildings and dwellings (楼栋/单元/户) become tables of their own.
    building: Mapped[str] = mapped_column(String(32), nullable=False)
    unit: Mapped[str] = mapped_column(String(32), nullable=False)
    room: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        # One household per address: concurrent approvals at one address join the same row.
        UniqueConstraint(
            "community_code", "building", "unit", "room", name="uq_households_address"
        ),
    )

    @property
    def address(self) -> str:
        return f"{self.building}-{self.unit}-{self.room}"


class Resident(Base):
    """One person in the registry. ID number and phone are stored encrypted, with a keyed blind
    index to find them by exact value and a masked copy so lists never need the key."""

    __tablename__ = "residents"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    household_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("households.id"), nullable=False
    )
    # Copied from the household so every scope query is one prefix match on this table.
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    grid_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    id_number_cipher: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    id_number_index: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number_masked: Mapped[str] = mapped_column(String(18), nullable=False)
    phone_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phone_masked: Mapped[str | None] = mapped_column(String(11), nullable=True)
    relation_to_head: Mapped[RelationToHead] = mapped_column(
        str_enum(RelationToHead, "relation_to_head"), nullable=False
    )
    # Computed tags (elderly, living alone, …); maintained by the registry, empty until then.
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), nullable=False, server_default=text("'{}'::varchar[]"), default=list
    )
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The mini-program account that registered this person, when there is one.
    account_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        # One record per person: moves change the record's community, they never copy it.
        UniqueConstraint("id_number_index", name="uq_residents_id_number_index"),
        Index("ix_residents_community_code", "community_code"),
        Index("ix_residents_household_id", "household_id"),
        Index("ix_residents_phone_index", "phone_index"),
        Index("ix_residents_tags", "tags", postgresql_using="gin"),
    )
