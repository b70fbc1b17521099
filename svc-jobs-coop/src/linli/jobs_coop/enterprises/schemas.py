"""Request and response shapes of enterprises, agreements and micro-factories."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.jobs_coop.text import Name, Note, Place, Title

_WEEKDAYS = re.compile(r"[1-7]{1,7}")


def _weekdays(value: str) -> str:
    if not _WEEKDAYS.fullmatch(value) or len(set(value)) != len(value):
        raise InvalidValue(
            "ISO weekdays as distinct digits 1–7, e.g. 12345", "营业日：1–7 的不重复数字，如 12345"
        )
    return "".join(sorted(value))


Weekdays = Annotated[str, Field(max_length=7), AfterValidator(_weekdays)]


def _wall_clock(value: time) -> time:
    # Opening hours are the site's wall clock (Asia/Shanghai); `09:00+08:00` would also not
    # compare with a default time (a TypeError, once a 500).
    if value.tzinfo is not None:
        raise InvalidValue(
            "a time of day without a UTC offset, e.g. 09:00 (Asia/Shanghai)",
            "不带时区的时刻，如 09:00（北京时间）",
        )
    return value


WallClock = Annotated[time, AfterValidator(_wall_clock)]


class EnterpriseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr = Field(examples=["330108001001"])
    name: Title = Field(examples=["滨江饰品有限公司"])
    industry: Name = Field(examples=["饰品串珠"])
    contact_name: Name = Field(examples=["陈经理"])


class EnterpriseRead(BaseModel):
    id: uuid.UUID
    community_code: str
    name: str
    industry: str
    contact_name: str
    agreement_in_force: bool = Field(description="A cooperation agreement covers today")
    created_at: datetime


class AgreementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Annotated[str, Field(min_length=1, max_length=50)] = Field(examples=["XX-2026-01"])
    starts_on: date
    ends_on: date
    terms: Note = Field(examples=["计件加工，按月结算，质检不合格返工"])

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.starts_on > self.ends_on:
            raise InvalidValue("starts_on must not be after ends_on", "开始日期不能晚于结束日期")
        return self


class AgreementRead(BaseModel):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    number: str
    starts_on: date
    ends_on: date
    terms: str


class FactoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr
    name: Title = Field(examples=["东冠社区共富微工厂"])
    site: Place = Field(examples=["东冠社区邻里中心二楼"])
    capacity: Annotated[int, Strict(), Field(gt=0, le=10_000)]
    open_weekdays: Weekdays = "12345"
    opens_at: WallClock = time(8, 30)
    closes_at: WallClock = time(17, 0)

    @model_validator(mode="after")
    def _hours(self) -> Self:
        if self.opens_at >= self.closes_at:
            raise InvalidValue("opens_at must be before closes_at", "开门时间须早于关门时间")
        return self


class ManagerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name


class ManagerRead(BaseModel):
    subject: str
    name: str


class FactoryRead(BaseModel):
    id: uuid.UUID
    community_code: str
    name: str
    site: str
    capacity: int
    open_weekdays: str
    opens_at: time
    closes_at: time
    managers: list[ManagerRead]
