"""Events of partner enterprises and micro-factories."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from linli.jobs_coop.event_frame import CoopEvent


class EnterpriseRegistered(CoopEvent):
    """A partner enterprise joined a community's cooperative."""

    entity: ClassVar[str] = "enterprise"
    verb: ClassVar[str] = "registered"

    type: Literal["cn.linli.jobs-coop.enterprise.registered.v1"] = (
        "cn.linli.jobs-coop.enterprise.registered.v1"
    )
    enterprise_id: uuid.UUID
    name: str
    industry: str


class EnterpriseAccountLinked(CoopEvent):
    """An `enterprise` login now acts for the enterprise."""

    entity: ClassVar[str] = "enterprise"
    verb: ClassVar[str] = "account_linked"

    type: Literal["cn.linli.jobs-coop.enterprise.account_linked.v1"] = (
        "cn.linli.jobs-coop.enterprise.account_linked.v1"
    )
    enterprise_id: uuid.UUID
    account_subject: str


class AgreementSigned(CoopEvent):
    """A cooperation agreement (合作协议) was signed for a period."""

    entity: ClassVar[str] = "agreement"
    verb: ClassVar[str] = "signed"

    type: Literal["cn.linli.jobs-coop.agreement.signed.v1"] = (
        "cn.linli.jobs-coop.agreement.signed.v1"
    )
    agreement_id: uuid.UUID
    enterprise_id: uuid.UUID
    number: str
    starts_on: date
    ends_on: date


class MicroFactoryOpened(CoopEvent):
    """A micro-factory (微工厂) opened in the community."""

    entity: ClassVar[str] = "micro_factory"
    verb: ClassVar[str] = "opened"

    type: Literal["cn.linli.jobs-coop.micro_factory.opened.v1"] = (
        "cn.linli.jobs-coop.micro_factory.opened.v1"
    )
    factory_id: uuid.UUID
    name: str
    capacity: int


class FactoryManagerAssigned(CoopEvent):
    """A staff account now manages a micro-factory."""

    entity: ClassVar[str] = "micro_factory"
    verb: ClassVar[str] = "manager_assigned"

    type: Literal["cn.linli.jobs-coop.micro_factory.manager_assigned.v1"] = (
        "cn.linli.jobs-coop.micro_factory.manager_assigned.v1"
    )
    factory_id: uuid.UUID
    account_subject: str
