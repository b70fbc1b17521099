"""Tables of svc-service-hall, on a Base of its own from the kernel's frame (`linli.common.models`)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from linli.common.models import ServiceBase


class Base(ServiceBase, DeclarativeBase):
    """Declarative base of this service's tables; Alembic autogenerate compares against it."""


# Imported after Base exists, so that Base.metadata lists every table of the service.
# The residents' voice (reports, proposals, announcements) and the applications part.
# Daily life: activities and clubs, the elder college, volunteering.
from linli.service_hall.models import (  # noqa: E402, F401  # noqa: E402, F401
    activities,
    announcements,
    courses,
    proposals,
    reports,
    volunteering,
)
from linli.service_hall.models.applications import (  # noqa: E402
    Application,
    ApplicationStatus,
    ApplicationStep,
    Channel,
    Filing,
    FilingStatus,
    MaterialFile,
)
from linli.service_hall.models.appointments import (  # noqa: E402
    Appointment,
    AppointmentCalendar,
    AppointmentSlot,
    AppointmentStatus,
)
from linli.service_hall.models.canteen import (  # noqa: E402
    AccountEntry,
    CanteenDay,
    CanteenSite,
    Dish,
    EntryKind,
    Meal,
    MealOrder,
    MealOrderLine,
    MealOrderStatus,
    Menu,
    Payment,
    StoredValueAccount,
    SubsidyDay,
    SubsidyRule,
)
from linli.service_hall.models.catalogue import (  # noqa: E402
    Bundle,
    CatalogueItem,
    CatalogueItemVersion,
)
from linli.service_hall.models.home_visits import HomeVisit, HomeVisitStatus  # noqa: E402
from linli.service_hall.models.residents import HouseholdCopy, ResidentCopy  # noqa: E402
from linli.service_hall.models.service_points import ServicePoint  # noqa: E402

__all__ = [
    "AccountEntry",
    "Application",
    "ApplicationStatus",
    "ApplicationStep",
    "Appointment",
    "AppointmentCalendar",
    "AppointmentSlot",
    "AppointmentStatus",
    "Base",
    "Bundle",
    "CanteenDay",
    "CanteenSite",
    "CatalogueItem",
    "CatalogueItemVersion",
    "Channel",
    "Dish",
    "EntryKind",
    "Filing",
    "FilingStatus",
    "HomeVisit",
    "HomeVisitStatus",
    "HouseholdCopy",
    "MaterialFile",
    "Meal",
    "MealOrder",
    "MealOrderLine",
    "MealOrderStatus",
    "Menu",
    "Payment",
    "ResidentCopy",
    "ServicePoint",
    "StoredValueAccount",
    "SubsidyDay",
    "SubsidyRule",
]
