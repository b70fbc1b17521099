"""Tables of svc-residents, on a Base of its own: its metadata never lists the kernel's or another service's."""

from linli.residents.models.base import Base
from linli.residents.models.change_requests import ChangeRequest, ChangeRequestStatus
from linli.residents.models.divisions import Division
from linli.residents.models.households import (
    DeletionReason,
    Household,
    RelationToHead,
    Resident,
    Sex,
    StoredTag,
)
from linli.residents.models.places import Building, Court, Dwelling, Grid, Unit
from linli.residents.models.registrations import Registration, RegistrationStatus

__all__ = [
    "Base",
    "Building",
    "ChangeRequest",
    "ChangeRequestStatus",
    "Court",
    "DeletionReason",
    "Division",
    "Dwelling",
    "Grid",
    "Household",
    "Registration",
    "RegistrationStatus",
    "RelationToHead",
    "Resident",
    "Sex",
    "StoredTag",
    "Unit",
]
