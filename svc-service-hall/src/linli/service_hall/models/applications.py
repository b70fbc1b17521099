"""Applications (办件): a filing (one item, or a 一件事 bundle of items), its applications, their
timeline, and the material files filed with them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.service_hall.models import Base


class Channel(StrEnum):
    """How an item may be filed: online, at the counter, by appointment, at home (上门办), or
    through the grid worker."""

    ONLINE = "online"
    COUNTER = "counter"
    APPOINTMENT = "appointment"
    HOME_VISIT = "home_visit"
    GRID_WORKER = "grid_worker"


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"
    RETURNED = "returned"


class FilingStatus(StrEnum):
    """A filing is open until every application is decided; `completed` when all completed."""

    OPEN = "open"
    COMPLETED = "completed"
    CLOSED = "closed"


class Filing(Base):
    """One submission by (or for) one resident: one item, or every item of a bundle, with one set
    of material files that all its applications share."""

    __tablename__ = "filings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    applicant_name_masked: Mapped[str] = mapped_column(String(64), nullable=False)
    filed_by_subject: Mapped[str] = mapped_column(String(128), nullable=False)
    filed_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"), nullable=False)
    bundle_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bundles.id")
    )
    # The hall where it was filed at the counter (or by appointment), if any.
    service_point_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("service_points.id")
    )
    status: Mapped[FilingStatus] = mapped_column(
        str_enum(FilingStatus, "filing_status"), nullable=False
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (Index("ix_filings_resident", "resident_id", "created_at"),)


class Application(Base):
    """One item of a filing, under the item version it was filed with, and its working-day clock.

    The clock: due on the (promised + paused)-th working day after `filed_on`; while returned
    for materials (`paused_since`) it stands still, and the working days it stood are added to
    `paused_days` when the resident resubmits.
    """

    __tablename__ = "applications"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    filing_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("filings.id"), nullable=False, index=True
    )
    # The item's place in its filing (a bundle's order of items).
    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    item_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    item_version: Mapped[int] = mapped_column(Integer, nullable=False)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    owning_division: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"), nullable=False
    )
    returned_from: Mapped[ApplicationStatus | None] = mapped_column(
        str_enum(ApplicationStatus, "application_returned_from")
    )
    # Codes of the materials asked for when returned (补正材料).
    returned_materials: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), nullable=False, server_default=text("'{}'::varchar[]")
    )
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    filed_on: Mapped[date] = mapped_column(Date, nullable=False)
    promised_working_days: Mapped[int] = mapped_column(Integer, nullable=False)
    paused_days: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    paused_since: Mapped[date | None] = mapped_column(Date)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        # Staff lists: a community's (or division's) applications, newest first.
        Index("ix_applications_listing", "community_code", "created_at", "id"),
        Index("ix_applications_owner", "owning_division", "status"),
    )


class ApplicationStep(Base):
    """One step of an application's timeline, as the applicant sees it."""

    __tablename__ = "application_steps"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("applications.id"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_name_masked: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class MaterialFile(Base):
    """A material file of a filing (the storage key and what the storage found), shared by every
    application of the filing that asks for its material code; a later upload of the same code
    supersedes an earlier one."""

    __tablename__ = "material_files"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    filing_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("filings.id"), nullable=False, index=True
    )
    material_code: Mapped[str] = mapped_column(String(32), nullable=False)
    key: Mapped[str] = mapped_column(String(512), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(128), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    uploaded_at: Mapped[datetime] = created_at_column()
