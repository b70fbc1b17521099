"""Households and their residents: the 一户一表 registry itself."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.residents.models.base import Base
from linli.residents.models.places import Dwelling


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


class StoredTag(StrEnum):
    """Tags a worker records. `elderly` (60+) and `child` (under 18) are never stored: they are
    derived from the birth date on every read, so they are right on the 60th birthday."""

    LIVING_ALONE = "living_alone"
    LEFT_BEHIND = "left_behind"
    DISABLED = "disabled"
    MOBILITY_IMPAIRED = "mobility_impaired"
    NEW_RESIDENT = "new_resident"
    TENANT = "tenant"
    OWNER = "owner"
    PARTY_MEMBER = "party_member"
    VOLUNTEER = "volunteer"
    # 低保: receives the minimum living allowance (the hall's canteen subsidises it).
    LOW_INCOME = "low_income"


class DeletionReason(StrEnum):
    """Why a record left the registry. `moved_out` is set by a move out (迁出) only, never by a
    deletion: the record is kept, inactive, with its move history, and a later move in brings the
    same record (same id) back."""

    DECEASED = "deceased"
    DUPLICATE = "duplicate"
    ENTERED_IN_ERROR = "entered_in_error"
    OTHER = "other"
    MOVED_OUT = "moved_out"


_STORED_TAGS_SQL = ", ".join(f"'{tag.value}'" for tag in StoredTag)


class Household(Base):
    """One household (户) living in one dwelling; a dwelling holds at most one live household."""

    __tablename__ = "households"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    dwelling_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("dwellings.id"), nullable=False
    )
    # Defaults to the building's grid when the household is founded; null until one is assigned.
    grid_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("grids.id"), nullable=True
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    deletion_reason: Mapped[DeletionReason | None] = mapped_column(
        str_enum(DeletionReason, "deletion_reason"), nullable=True
    )
    deletion_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    dwelling: Mapped[Dwelling] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint(
            "(deleted_at IS NULL) = (deletion_reason IS NULL AND deleted_by IS NULL)",
            name="deletion_recorded",
        ),
        # One live household per dwelling: concurrent approvals at one address join the same row.
        Index(
            "uq_households_live_dwelling",
            "dwelling_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # Lists and scope scans: a division prefix is a range on community_code, in key order.
        Index("ix_households_community_code_id", "community_code", "id"),
        Index("ix_households_grid_id", "grid_id"),
    )

    @property
    def address(self) -> str:
        return self.dwelling.address


class Resident(Base):
    """One person in the registry. ID number and phone are stored encrypted, with a keyed blind
    index to find them by exact value and a masked copy so lists never need the key."""

    __tablename__ = "residents"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    household_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("households.id"), nullable=False
    )
    # Copied from the household so every scope query is one prefix match on this table.
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    grid_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("grids.id"), nullable=True
    )
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
    # Stored tags only (StoredTag values, sorted); elderly and child are derived on read.
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), nullable=False, server_default=text("'{}'::varchar[]"), default=list
    )
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The mini-program account that registered this person, when there is one.
    account_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    deletion_reason: Mapped[DeletionReason | None] = mapped_column(
        str_enum(DeletionReason, "deletion_reason"), nullable=True
    )
    deletion_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        CheckConstraint(
            "(deleted_at IS NULL) = (deletion_reason IS NULL AND deleted_by IS NULL)",
            name="deletion_recorded",
        ),
        CheckConstraint(f"tags <@ ARRAY[{_STORED_TAGS_SQL}]::varchar[]", name="stored_tags"),
        # One live record per person: moves change the record's community, they never copy it; a
        # deleted record (deceased, duplicate) no longer blocks the person's number.
        Index(
            "uq_residents_id_number_index",
            "id_number_index",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_residents_community_code_id", "community_code", "id"),
        Index("ix_residents_household_id", "household_id"),
        Index("ix_residents_phone_index", "phone_index"),
        Index("ix_residents_account_subject", "account_subject"),
        Index("ix_residents_grid_id", "grid_id"),
        Index("ix_residents_tags", "tags", postgresql_using="gin"),
    )
