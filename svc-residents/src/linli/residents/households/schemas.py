"""Request and response shapes of households and residents."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.common.events import ClearPiiInEvent, ensure_no_clear_pii
from linli.residents.ages import AgeBand, age_on, band_of, derived_tags
from linli.residents.identity import IdNumberStr, MobilePhoneStr, parse_id_number
from linli.residents.models import DeletionReason, Household, RelationToHead, Resident, Sex
from linli.residents.models.households import StoredTag
from linli.residents.places.schemas import Address


def _no_identifiers(value: str) -> str:
    try:
        ensure_no_clear_pii(value)
    except ClearPiiInEvent as exc:
        raise InvalidValue(
            "cannot contain an ID number or phone number", "不能含身份证号码或手机号码"
        ) from exc
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_no_identifiers)
]


def _stored_tags(tags: list[StoredTag]) -> list[StoredTag]:
    return sorted(set(tags))


StoredTags = Annotated[
    list[StoredTag],
    AfterValidator(_stored_tags),
    Field(
        description="Recorded tags; `elderly` and `child` are derived from the birth date and "
        "cannot be set",
        examples=[["living_alone", "party_member"]],
    ),
]


def _one_place(
    place_id: uuid.UUID | None, community_code: str | None, address: Address | None
) -> bool:
    """Either an id, or a community and an address: never both, never neither."""
    if place_id is not None:
        return community_code is None and address is None
    return community_code is not None and address is not None


def _not_a_move(reason: DeletionReason) -> DeletionReason:
    if reason is DeletionReason.MOVED_OUT:
        raise InvalidValue(
            "moving out is recorded as a move (POST /moves/out), not a deletion",
            "迁出请登记为迁移（POST /moves/out），而非删除",
        )
    return reason


class Deletion(BaseModel):
    """Why a record leaves the registry. Moving away is a move, not a deletion."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[DeletionReason, AfterValidator(_not_a_move)]
    note: Note | None = Field(default=None, description="Kept with the record; no ID or phone")


class HouseholdCreate(BaseModel):
    """A household founded in a dwelling: name the dwelling, or the community and address (the
    building, unit and dwelling are created when missing, as for approved registrations)."""

    model_config = ConfigDict(extra="forbid")

    dwelling_id: uuid.UUID | None = None
    community_code: CommunityCodeStr | None = None
    address: Address | None = None
    grid_id: uuid.UUID | None = Field(
        default=None, description="A grid of the community; defaults to the building's grid"
    )

    @model_validator(mode="after")
    def _one_place(self) -> Self:
        if not _one_place(self.dwelling_id, self.community_code, self.address):
            raise InvalidValue(
                "give either dwelling_id, or community_code and address",
                "请给出 dwelling_id，或 community_code 加地址（二选一）",
            )
        return self


class HouseholdUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grid_id: uuid.UUID | None = Field(default=None, description="A grid of the community, or null")


class ResidentCreate(BaseModel):
    """A resident entered by a community worker, into an existing household or at an address.
    Sex and birth date may be left out: the ID number holds them."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    household_id: uuid.UUID | None = None
    community_code: CommunityCodeStr | None = None
    address: Address | None = None
    name: Name = Field(examples=["张三"])
    id_number: IdNumberStr = Field(description="18-character citizen ID number (GB 11643)")
    phone: MobilePhoneStr | None = None
    sex: Sex | None = Field(default=None, description="Must match the ID number when given")
    birth_date: date | None = Field(default=None, description="Must match the ID number")
    relation_to_head: RelationToHead
    tags: StoredTags = []
    consent: bool = Field(
        default=False, description="The resident consented to the community keeping these data"
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if not _one_place(self.household_id, self.community_code, self.address):
            raise InvalidValue(
                "give either household_id, or community_code and address",
                "请给出 household_id，或 community_code 加地址（二选一）",
            )
        facts = parse_id_number(self.id_number)
        if self.sex is not None and self.sex != facts.sex:
            raise InvalidValue(
                f"sex does not match the ID number ({facts.sex})",
                f"性别与身份证号码不符（应为{'男' if facts.sex is Sex.MALE else '女'}）",
            )
        if self.birth_date is not None and self.birth_date != facts.birth_date:
            raise InvalidValue(
                f"birth_date does not match the ID number ({facts.birth_date})",
                f"出生日期与身份证号码不符（应为 {facts.birth_date}）",
            )
        return self


class ResidentUpdate(BaseModel):
    """Only the fields sent change. Sex and birth date follow a corrected ID number."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Name | None = None
    id_number: IdNumberStr | None = None
    phone: MobilePhoneStr | None = Field(default=None, description="null removes the phone")
    relation_to_head: RelationToHead | None = None
    tags: StoredTags | None = None
    consent: bool | None = None


class ResidentRead(BaseModel):
    """A resident; ID number and phone masked unless `pii_revealed`. `tags` includes the derived
    `elderly` (60+) and `child` (under 18); `age` and `age_band` are as of today in Shanghai."""

    id: uuid.UUID
    household_id: uuid.UUID
    community_code: str
    grid_id: uuid.UUID | None
    name: str
    sex: Sex
    birth_date: date
    age: int
    age_band: AgeBand
    id_number: str = Field(description="Masked (330***********1234) unless revealed")
    phone: str | None = Field(description="Masked (138****5678) unless revealed")
    pii_revealed: bool
    relation_to_head: RelationToHead
    tags: list[str]
    consented_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(
        cls,
        resident: Resident,
        *,
        today: date,
        id_number: str | None = None,
        phone: str | None = None,
    ) -> Self:
        """Masked by default; pass the clear values (after auditing the read) to reveal them."""
        age = age_on(resident.birth_date, today)
        revealed = id_number is not None
        return cls(
            id=resident.id,
            household_id=resident.household_id,
            community_code=resident.community_code,
            grid_id=resident.grid_id,
            name=resident.name,
            sex=resident.sex,
            birth_date=resident.birth_date,
            age=age,
            age_band=band_of(age),
            id_number=id_number if id_number is not None else resident.id_number_masked,
            phone=phone if revealed else resident.phone_masked,
            pii_revealed=revealed,
            relation_to_head=resident.relation_to_head,
            tags=sorted([*resident.tags, *derived_tags(resident.birth_date, today)]),
            consented_at=resident.consented_at,
            created_at=resident.created_at,
            updated_at=resident.updated_at,
        )


class HouseholdRead(BaseModel):
    """A household and where it lives; `members` only on the single-household read."""

    id: uuid.UUID
    community_code: str
    dwelling_id: uuid.UUID
    building_id: uuid.UUID
    address: str = Field(examples=["3幢-2单元-501"])
    grid_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    members: list[ResidentRead] | None = None

    @classmethod
    def from_model(cls, household: Household, *, members: list[ResidentRead] | None = None) -> Self:
        return cls(
            id=household.id,
            community_code=household.community_code,
            dwelling_id=household.dwelling_id,
            building_id=household.dwelling.building_id,
            address=household.address,
            grid_id=household.grid_id,
            created_at=household.created_at,
            updated_at=household.updated_at,
            members=members,
        )
