"""Events of job fairs (招聘会)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from linli.jobs_coop.event_frame import CoopEvent
from linli.jobs_coop.models import MatchOutcome


class JobFairCreated(CoopEvent):
    entity: ClassVar[str] = "job_fair"
    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.jobs-coop.job_fair.created.v1"] = (
        "cn.linli.jobs-coop.job_fair.created.v1"
    )
    fair_id: uuid.UUID
    title: str
    held_on: date


class FairEnterpriseJoined(CoopEvent):
    entity: ClassVar[str] = "job_fair"
    verb: ClassVar[str] = "enterprise_joined"

    type: Literal["cn.linli.jobs-coop.job_fair.enterprise_joined.v1"] = (
        "cn.linli.jobs-coop.job_fair.enterprise_joined.v1"
    )
    fair_id: uuid.UUID
    enterprise_id: uuid.UUID
    openings: int


class FairRegistered(CoopEvent):
    entity: ClassVar[str] = "job_fair"
    verb: ClassVar[str] = "registered"

    type: Literal["cn.linli.jobs-coop.job_fair.registered.v1"] = (
        "cn.linli.jobs-coop.job_fair.registered.v1"
    )
    fair_id: uuid.UUID
    member_id: uuid.UUID


class FairMatched(CoopEvent):
    entity: ClassVar[str] = "job_fair"
    verb: ClassVar[str] = "matched"

    type: Literal["cn.linli.jobs-coop.job_fair.matched.v1"] = (
        "cn.linli.jobs-coop.job_fair.matched.v1"
    )
    fair_id: uuid.UUID
    match_id: uuid.UUID
    enterprise_id: uuid.UUID
    member_id: uuid.UUID


class FairOutcomeRecorded(CoopEvent):
    entity: ClassVar[str] = "job_fair"
    verb: ClassVar[str] = "outcome_recorded"

    type: Literal["cn.linli.jobs-coop.job_fair.outcome_recorded.v1"] = (
        "cn.linli.jobs-coop.job_fair.outcome_recorded.v1"
    )
    fair_id: uuid.UUID
    match_id: uuid.UUID
    outcome: MatchOutcome
