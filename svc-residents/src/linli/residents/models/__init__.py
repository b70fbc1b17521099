"""Tables of svc-residents, on a Base of its own: its metadata never lists the kernel's or another service's."""

from linli.residents.models.base import Base
from linli.residents.models.change_requests import ChangeRequest, ChangeRequestStatus
from linli.residents.models.counters import (
    CommunityBirthDateCount,
    CommunityBirthYearCount,
    CommunityCounter,
    CommunityTagCount,
)
from linli.residents.models.divisions import Division
from linli.residents.models.households import (
    DeletionReason,
    Household,
    RelationToHead,
    Resident,
    Sex,
    StoredTag,
)
from linli.residents.models.imports import ImportBadRow, ImportJob  # noqa: F401 (bulk import)
from linli.residents.models.moves import MoveKind, ResidentMove
from linli.residents.models.places import Building, Court, Dwelling, Grid, Unit
from linli.residents.models.registrations import Registration, RegistrationStatus

__all__ = [
    "Base",
    "Building",
    "ChangeRequest",
    "ChangeRequestStatus",
    "CommunityBirthDateCount",
    "CommunityBirthYearCount",
    "CommunityCounter",
    "CommunityTagCount",
    "Court",
    "DeletionReason",
    "Division",
    "Dwelling",
    "Grid",
    "Household",
    "MoveKind",
    "Registration",
    "RegistrationStatus",
    "RelationToHead",
    "Resident",
    "ResidentMove",
    "Sex",
    "StoredTag",
    "Unit",
]
