"""Partner enterprises, their cooperation agreements and accounts, and micro-factories (微工厂)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id
from linli.jobs_coop.models.base import Base


class Enterprise(Base):
    """A partner enterprise of a community's cooperative."""

    __tablename__ = "enterprises"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    industry: Mapped[str] = mapped_column(String(50), nullable=False)
    contact_name: Mapped[str] = mapped_column(String(50), nullable=False)
    created_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_enterprises_community_code_id", "community_code", "id"),)


class EnterpriseAccount(Base):
    """A login of the `enterprise` role acting for exactly one enterprise (the subject is the key)."""

    __tablename__ = "enterprise_accounts"

    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id"), nullable=False
    )
    created_at: Mapped[datetime] = created_at_column()


class Agreement(Base):
    """A cooperation agreement (合作协议): an enterprise posts work only while one is in force."""

    __tablename__ = "agreements"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id"), nullable=False
    )
    number: Mapped[str] = mapped_column(String(50), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    terms: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("starts_on <= ends_on", name="period_ordered"),
        Index("ix_agreements_enterprise_id", "enterprise_id"),
    )


class MicroFactory(Base):
    """A micro-factory: a workshop next door with a site, seats and opening hours."""

    __tablename__ = "micro_factories"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    site: Mapped[str] = mapped_column(String(200), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    # ISO weekdays it opens, as digits ("12345" = Monday to Friday).
    open_weekdays: Mapped[str] = mapped_column(String(7), nullable=False)
    opens_at: Mapped[time] = mapped_column(Time, nullable=False)
    closes_at: Mapped[time] = mapped_column(Time, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("opens_at < closes_at", name="hours_ordered"),
        Index("ix_micro_factories_community_code_id", "community_code", "id"),
    )


class FactoryManager(Base):
    """A staff account managing a micro-factory."""

    __tablename__ = "factory_managers"

    factory_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("micro_factories.id"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
