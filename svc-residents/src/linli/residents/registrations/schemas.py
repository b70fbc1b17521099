"""Request and response shapes of self-registration."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.common.events import ClearPiiInEvent, ensure_no_clear_pii
from linli.residents.identity import IdNumberStr, MobilePhoneStr, parse_id_number
from linli.residents.models import Registration, RegistrationStatus, RelationToHead, Sex
from linli.residents.places.schemas import Address


class RegistrationCreate(BaseModel):
    """A resident's self-registration. Sex and birth date may be left out: the ID number holds them."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    community_code: CommunityCodeStr = Field(description="12-digit code of the community")
    name: str = Field(min_length=1, max_length=50, examples=["张三"])
    id_number: IdNumberStr = Field(
        description="18-character citizen ID number (GB 11643); check character verified",
        examples=["110101199003074514"],
    )
    phone: MobilePhoneStr = Field(description="Mainland mobile number", examples=["13812345678"])
    sex: Sex | None = Field(default=None, description="Must match the ID number when given")
    birth_date: date | None = Field(default=None, description="Must match the ID number when given")
    address: Address
    relation_to_head: RelationToHead
    consent: bool = Field(
        description="Must be true: the resident agrees that the community keeps these data"
    )

    @field_validator("sex", "birth_date")
    @classmethod
    def _matches_id_number(
        cls, value: Sex | date | None, info: ValidationInfo
    ) -> Sex | date | None:
        # id_number is declared first, so it is in info.data when it was valid.
        id_number = info.data.get("id_number")
        if value is None or id_number is None:
            return value
        facts = parse_id_number(id_number)
        expected = facts.sex if info.field_name == "sex" else facts.birth_date
        if value != expected:
            raise InvalidValue(
                f"does not match the ID number ({expected})", f"与身份证号码不符（应为 {expected}）"
            )
        return value

    @field_validator("consent")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if not value:
            raise InvalidValue(
                "the resident must consent to the community keeping these data",
                "须本人同意社区保存以上信息",
            )
        return value


class RegistrationReject(BaseModel):
    """Why a registration is refused; shown to the resident and published in an event."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reason: str = Field(min_length=1, max_length=500, examples=["地址与房产信息不符"])

    @field_validator("reason")
    @classmethod
    def _no_identifiers(cls, value: str) -> str:
        try:
            ensure_no_clear_pii(value)
        except ClearPiiInEvent as exc:
            raise InvalidValue(
                "the reason cannot contain an ID number or phone number",
                "理由中不能含身份证号码或手机号码",
            ) from exc
        return value


class RegistrationRead(BaseModel):
    """A registration as staff and its applicant see it; ID number and phone masked unless
    `pii_revealed` is true."""

    id: uuid.UUID
    community_code: str
    status: RegistrationStatus
    name: str
    sex: Sex
    birth_date: date
    id_number: str = Field(description="Masked (330***********1234) unless revealed")
    phone: str = Field(description="Masked (138****5678) unless revealed")
    pii_revealed: bool
    address: Address
    relation_to_head: RelationToHead
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None = Field(description="Subject of the worker who approved or rejected")
    reject_reason: str | None
    household_id: uuid.UUID | None
    resident_id: uuid.UUID | None

    @classmethod
    def from_model(
        cls, registration: Registration, *, id_number: str | None = None, phone: str | None = None
    ) -> Self:
        """Masked by default; pass the clear values (after auditing the read) to reveal them."""
        revealed = id_number is not None and phone is not None
        return cls(
            id=registration.id,
            community_code=registration.community_code,
            status=registration.status,
            name=registration.name,
            sex=registration.sex,
            birth_date=registration.birth_date,
            id_number=id_number if revealed and id_number else registration.id_number_masked,
            phone=phone if revealed and phone else registration.phone_masked,
            pii_revealed=revealed,
            address=Address.model_construct(
                building=registration.building, unit=registration.unit, room=registration.room
            ),
            relation_to_head=registration.relation_to_head,
            created_at=registration.created_at,
            decided_at=registration.decided_at,
            decided_by=registration.decided_by,
            reject_reason=registration.reject_reason,
            household_id=registration.household_id,
            resident_id=registration.resident_id,
        )
