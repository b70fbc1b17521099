"""Text fields of this service: stripped and bounded (NUL is refused by the frame for every
request); free text never carries an ID or phone number, since names and notes travel in events."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from linli.common.errors import InvalidValue
from linli.common.events import ClearPiiInEvent, ensure_no_clear_pii

_PHONE = re.compile(r"1[3-9][0-9]{9}")
_SKILL = re.compile(r"[a-z][a-z0-9_]{1,39}")


def _no_pii(value: str) -> str:
    try:
        ensure_no_clear_pii(value)
    except ClearPiiInEvent as exc:
        raise InvalidValue(
            "cannot contain an ID number or phone number", "不能含身份证号码或手机号码"
        ) from exc
    return value


def _phone(value: str) -> str:
    value = value.replace(" ", "").replace("-", "")
    if not _PHONE.fullmatch(value):
        raise InvalidValue(
            "a mainland mobile number: 11 ASCII digits starting 13–19",
            "应为 11 位手机号码（13–19 开头）",
        )
    return value


def _skill(value: str) -> str:
    if not _SKILL.fullmatch(value):
        raise InvalidValue(
            "a skill code: lower-case ASCII letters, digits and _ (e.g. beading)",
            "技能代码：小写字母、数字和下划线（如 beading）",
        )
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(_no_pii),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_no_pii),
]
Place = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_pii),
]
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_no_pii),
]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(max_length=20), AfterValidator(_phone)]
Skill = Annotated[str, StringConstraints(max_length=40), AfterValidator(_skill)]


def mask_name(name: str) -> str:
    """`张*`, `李**`: the first character kept (what events and enterprises see)."""
    name = name.strip()
    return "*" if len(name) <= 1 else name[0] + "*" * (len(name) - 1)
