"""Tables of svc-residents, on a Base of its own: its metadata never lists the kernel's or another service's."""

from linli.residents.models.base import Base
from linli.residents.models.divisions import Division
from linli.residents.models.households import Household, RelationToHead, Resident, Sex
from linli.residents.models.registrations import Registration, RegistrationStatus

__all__ = [
    "Base",
    "Division",
    "Household",
    "Registration",
    "RegistrationStatus",
    "RelationToHead",
    "Resident",
    "Sex",
]
