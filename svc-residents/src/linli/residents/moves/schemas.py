"""Request and response shapes of moves."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.residents.households.schemas import Note, ResidentCreate
from linli.residents.models import MoveKind, ResidentMove
from linli.residents.places.schemas import Address


def _not_in_future(value: datetime | None) -> datetime | None:
    if value is not None and value > datetime.now(UTC):
        raise InvalidValue(
            "a move cannot be recorded before it happens", "迁移时间不能晚于当前时间"
        )
    return value


MovedAt = Annotated[
    datetime | None,
    AfterValidator(_not_in_future),
    Field(description="When the move happened (timezone required); default: now"),
]
Reason = Annotated[Note, Field(min_length=1, max_length=200, examples=["购房迁入"])]


class MoveIn(ResidentCreate):
    """迁入: a person arrives in the caller's community, at a household or an address, named by
    their ID number. New to the platform: a record is created. Moved out earlier: the same
    record comes back. Living in another community of the platform: the record moves here (a
    transfer). A record kept keeps its other fields (correct them with PATCH /residents)."""

    moved_at: MovedAt = None
    reason: Reason


class MoveOut(BaseModel):
    """迁出: a resident, or a whole household, leaves the platform's area; records are kept,
    inactive, and leave every list."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    resident_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    moved_at: MovedAt = None
    reason: Reason

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if (self.resident_id is None) == (self.household_id is None):
            raise InvalidValue(
                "give either resident_id or household_id",
                "resident_id 与 household_id 须且只须给出一个",
            )
        return self


class MoveTransfer(BaseModel):
    """A move between dwellings or communities, by a caller whose scope holds both ends: a
    resident joins a household (by id, or at an address), or a whole household moves to an empty
    dwelling (by id, or an address)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    resident_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = Field(
        default=None, description="The whole household moves, keeping its id"
    )
    to_household_id: uuid.UUID | None = Field(
        default=None, description="For a resident: the household joined"
    )
    to_dwelling_id: uuid.UUID | None = Field(
        default=None, description="For a household: the empty dwelling it moves to"
    )
    to_community_code: CommunityCodeStr | None = None
    to_address: Address | None = None
    moved_at: MovedAt = None
    reason: Reason

    @model_validator(mode="after")
    def _one_subject_one_destination(self) -> Self:
        if (self.resident_id is None) == (self.household_id is None):
            raise InvalidValue(
                "give either resident_id or household_id",
                "resident_id 与 household_id 须且只须给出一个",
            )
        by_address = self.to_community_code is not None and self.to_address is not None
        if (self.to_community_code is None) != (self.to_address is None):
            raise InvalidValue(
                "to_community_code and to_address go together",
                "to_community_code 与 to_address 须同时给出",
            )
        named = [self.to_household_id is not None, self.to_dwelling_id is not None, by_address]
        if sum(named) != 1:
            raise InvalidValue(
                "give one destination: to_household_id, to_dwelling_id, or to_community_code "
                "and to_address",
                "须给出一个去向：to_household_id、to_dwelling_id，或 to_community_code 加 to_address",
            )
        if self.resident_id is not None and self.to_dwelling_id is not None:
            raise InvalidValue(
                "a resident joins a household: to_household_id or an address",
                "居民迁入的是户：请给出 to_household_id 或地址",
            )
        if self.household_id is not None and self.to_household_id is not None:
            raise InvalidValue(
                "a household moves to a dwelling: to_dwelling_id or an address",
                "整户迁往的是房屋：请给出 to_dwelling_id 或地址",
            )
        return self


class MoveRead(BaseModel):
    """One person's move; a whole household's move lists one per member."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    resident_id: uuid.UUID
    kind: MoveKind
    whole_household: bool
    from_community_code: str | None = Field(description="Null for a move in")
    from_household_id: uuid.UUID | None
    from_dwelling_id: uuid.UUID | None
    to_community_code: str | None = Field(description="Null for a move out")
    to_household_id: uuid.UUID | None
    to_dwelling_id: uuid.UUID | None
    moved_at: datetime
    recorded_by: str
    reason: str
    created_at: datetime

    @classmethod
    def from_model(cls, move: ResidentMove) -> Self:
        return cls.model_validate(move)


class MovesRecorded(BaseModel):
    """The moves one request recorded: one, or one per member of a household."""

    items: list[MoveRead]
