"""Field errors of a validation failure, in English and in Chinese; a refused state-machine move."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import pytest
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import Conflict, IllegalMove, InvalidValue, field_errors


def _even(value: int) -> int:
    if value % 2:
        raise InvalidValue("must be even", "应为偶数")
    return value


class Order(BaseModel):
    community_code: CommunityCodeStr
    kind: Literal["meal", "visit"]
    quantity: Annotated[int, Field(ge=1, le=5)]
    pairs: Annotated[int, AfterValidator(_even)]
    ticket: uuid.UUID


def errors_of(data: dict[str, object], *, chinese: bool) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Order.model_validate(data)
    return {e["field"]: e["message"] for e in field_errors(caught.value.errors(), chinese=chinese)}


BAD = {"community_code": "3301", "kind": "dance", "quantity": 9, "pairs": 3, "ticket": "x"}


def test_every_field_is_worded_in_chinese_for_a_chinese_client() -> None:
    assert errors_of(BAD, chinese=True) == {
        "community_code": "社区代码应为12位数字，收到 '3301'",
        "kind": "应为以下之一：'meal' or 'visit'",
        "quantity": "应不大于 5",
        "pairs": "应为偶数",
        "ticket": "应为 UUID",
    }


def test_english_stays_pydantic_s_own_and_unknown_types_fall_back_to_it() -> None:
    english = errors_of(BAD, chinese=False)
    assert english["pairs"] == "must be even"  # without pydantic's "Value error, " before it
    assert english["quantity"] == "Input should be less than or equal to 5"
    unknown = field_errors(
        [{"loc": ("x",), "msg": "odd thing", "type": "no_such_type"}], chinese=True
    )
    assert unknown == [{"field": "x", "message": "odd thing", "type": "no_such_type"}]


class _TicketMoveRefused(IllegalMove):
    noun = "a ticket"
    title_en = "Not allowed in the ticket's current state"


def test_an_illegal_move_names_the_state_and_the_allowed_moves() -> None:
    refused = _TicketMoveRefused(action="close", state="open", allowed=["assign", "cancel"])
    assert isinstance(refused, Conflict) and refused.status == 409
    assert (refused.problem, refused.title_en) == (
        "illegal-move",
        "Not allowed in the ticket's current state",
    )
    assert refused.extensions == {"state": "open", "allowed": ["assign", "cancel"]}
    assert refused.detail == "cannot close a ticket that is open; allowed: assign, cancel"
    final = IllegalMove(action="reopen", state="done", allowed=[], reason="it is archived")
    assert final.detail == "cannot reopen an object that is done: it is archived; allowed: none"
