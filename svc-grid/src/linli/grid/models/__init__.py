"""Tables of svc-grid, on a Base of its own from the kernel's frame (`linli.common.models`)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from linli.common.models import ServiceBase


class Base(ServiceBase, DeclarativeBase):
    """Declarative base of this service's tables; Alembic autogenerate compares against it."""


# Imported after Base exists, so that Base.metadata lists every table of the service.
from linli.grid.models.campaigns import (  # noqa: E402
    Campaign,
    CampaignContact,
    CampaignCounter,
    CampaignHousehold,
    CampaignSlot,
    CampaignStatus,
    ContactOutcome,
    ContactPlace,
    VisitMode,
)
from linli.grid.models.directives import (  # noqa: E402
    Directive,
    DirectiveFile,
    DirectiveRevision,
    DirectiveTarget,
)
from linli.grid.models.duty import DutyShift, GridWorker  # noqa: E402
from linli.grid.models.incidents import (  # noqa: E402
    Incident,
    IncidentCategory,
    IncidentPhoto,
    IncidentSource,
    IncidentStatus,
    IncidentStep,
)
from linli.grid.models.open311 import Open311Client, Open311Request  # noqa: E402
from linli.grid.models.places import PlaceBuilding, PlaceGrid  # noqa: E402
from linli.grid.models.roster import RosterHousehold, RosterMember  # noqa: E402
from linli.grid.models.sensors import Device  # noqa: E402
from linli.grid.models.visits import Visit, VisitPhoto, VisitTarget  # noqa: E402

__all__ = [
    "Base",
    "Campaign",
    "CampaignContact",
    "CampaignCounter",
    "CampaignHousehold",
    "CampaignSlot",
    "CampaignStatus",
    "ContactOutcome",
    "ContactPlace",
    "Device",
    "Directive",
    "DirectiveFile",
    "DirectiveRevision",
    "DirectiveTarget",
    "DutyShift",
    "GridWorker",
    "Incident",
    "IncidentCategory",
    "IncidentPhoto",
    "IncidentSource",
    "IncidentStatus",
    "IncidentStep",
    "Open311Client",
    "Open311Request",
    "PlaceBuilding",
    "PlaceGrid",
    "RosterHousehold",
    "RosterMember",
    "Visit",
    "VisitMode",
    "VisitPhoto",
    "VisitTarget",
]
