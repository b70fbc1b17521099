"""Events of the registry itself: households and residents created, changed, tagged, deleted.

No payload carries an ID number or phone, clear or masked: ids, masked names, field names.
"""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent
from linli.residents.models import DeletionReason, Sex


class _HouseholdEvent(DomainEvent):
    service: ClassVar[str] = "residents"
    entity: ClassVar[str] = "household"

    household_id: uuid.UUID


class HouseholdCreated(_HouseholdEvent):
    """A household was founded in a dwelling (by a worker, or by an approved registration)."""

    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.residents.household.created.v1"] = (
        "cn.linli.residents.household.created.v1"
    )
    dwelling_id: uuid.UUID
    household_address: str = Field(description="<building>-<unit>-<room>")
    grid_id: uuid.UUID | None


class HouseholdUpdated(_HouseholdEvent):
    """A household was changed (today: its grid)."""

    verb: ClassVar[str] = "updated"

    type: Literal["cn.linli.residents.household.updated.v1"] = (
        "cn.linli.residents.household.updated.v1"
    )
    grid_id: uuid.UUID | None
    changed: list[str]


class HouseholdDeleted(_HouseholdEvent):
    """An empty household left the registry."""

    verb: ClassVar[str] = "deleted"

    type: Literal["cn.linli.residents.household.deleted.v1"] = (
        "cn.linli.residents.household.deleted.v1"
    )
    reason: DeletionReason


class _RegistryResidentEvent(DomainEvent):
    service: ClassVar[str] = "residents"
    entity: ClassVar[str] = "resident"

    resident_id: uuid.UUID
    household_id: uuid.UUID


class ResidentCreated(_RegistryResidentEvent):
    """A worker entered a resident (approved self-registrations publish `resident.approved`)."""

    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.residents.resident.created.v1"] = (
        "cn.linli.residents.resident.created.v1"
    )
    grid_id: uuid.UUID | None
    name_masked: str
    sex: Sex
    birth_year: int = Field(description="The year only: ages are computed by the reader")
    tags: list[str] = Field(description="Stored tags (elderly and child are derived, not sent)")


class ResidentUpdated(_RegistryResidentEvent):
    """Fields of a resident changed; the names of the fields, never their values."""

    verb: ClassVar[str] = "updated"

    type: Literal["cn.linli.residents.resident.updated.v1"] = (
        "cn.linli.residents.resident.updated.v1"
    )
    changed: list[str]
    name_masked: str


class ResidentTagged(_RegistryResidentEvent):
    """A resident's stored tags changed."""

    verb: ClassVar[str] = "tagged"

    type: Literal["cn.linli.residents.resident.tagged.v1"] = "cn.linli.residents.resident.tagged.v1"
    added: list[str]
    removed: list[str]
    tags: list[str]


class ResidentDeleted(_RegistryResidentEvent):
    """A resident left the registry (deceased, duplicate, entered in error)."""

    verb: ClassVar[str] = "deleted"

    type: Literal["cn.linli.residents.resident.deleted.v1"] = (
        "cn.linli.residents.resident.deleted.v1"
    )
    reason: DeletionReason
