"""Tables of svc-jobs-coop, on a Base of its own from the kernel's frame (`linli.common.models`)."""

from linli.jobs_coop.models.base import Base
from linli.jobs_coop.models.enterprises import (
    Agreement,
    Enterprise,
    EnterpriseAccount,
    FactoryManager,
    MicroFactory,
)
from linli.jobs_coop.models.fairs import (
    FairEnterprise,
    FairMatch,
    FairRegistration,
    JobFair,
    MatchOutcome,
)
from linli.jobs_coop.models.pool import (
    AvailabilityWindow,
    Certificate,
    EnrolledBy,
    Member,
    MemberSkill,
    MemberStatus,
    SkillSource,
    WorkMode,
)
from linli.jobs_coop.models.settlement import (
    Adjustment,
    Statement,
    StatementKind,
    StatementLine,
    StatementRun,
)
from linli.jobs_coop.models.training import Course, Enrolment, EnrolmentStatus, TrainingSession
from linli.jobs_coop.models.work import (
    Delivery,
    Inspection,
    OrderStatus,
    Task,
    TaskOrigin,
    TaskStatus,
    WorkOrder,
)

__all__ = [
    "Adjustment",
    "Agreement",
    "AvailabilityWindow",
    "Base",
    "Certificate",
    "Course",
    "Delivery",
    "EnrolledBy",
    "Enrolment",
    "EnrolmentStatus",
    "Enterprise",
    "EnterpriseAccount",
    "FactoryManager",
    "FairEnterprise",
    "FairMatch",
    "FairRegistration",
    "Inspection",
    "JobFair",
    "MatchOutcome",
    "Member",
    "MemberSkill",
    "MemberStatus",
    "MicroFactory",
    "OrderStatus",
    "SkillSource",
    "Statement",
    "StatementKind",
    "StatementLine",
    "StatementRun",
    "Task",
    "TaskOrigin",
    "TaskStatus",
    "TrainingSession",
    "WorkMode",
    "WorkOrder",
]
