"""Identity documents of residents: GB 11643 citizen ID numbers (公民身份号码), mainland mobile
numbers and masked names. Shared by self-registration and, later, bulk import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from linli.common.errors import InvalidValue
from linli.residents.models import Sex

# GB 11643-1999: weights of the 17 body digits, and the check character for (sum mod 11).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# ASCII digits only (`\d` would take ３ or ٣, which int() reads but no register holds).
_ID_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]", re.ASCII)
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_BODY = re.compile(r"[0-9]{17}", re.ASCII)
ID_NUMBER_PATTERN = "^[1-9][0-9]{16}[0-9Xx]$"
MOBILE_PATTERN = "^1[3-9][0-9]{9}$"
_EARLIEST_BIRTH = date(1900, 1, 1)


class InvalidIdNumber(InvalidValue):
    """Not a valid 18-character citizen ID number."""


class InvalidPhone(InvalidValue):
    """Not an 11-digit mainland mobile number."""


def check_character(body: str) -> str:
    """The 18th character for a 17-digit body (also used to make valid numbers for seeds and tests)."""
    if not _BODY.fullmatch(body):
        raise InvalidIdNumber("the body of an ID number is 17 digits", "身份证号码本体应为17位数字")
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True, slots=True)
class IdNumberFacts:
    """What an ID number says about its holder."""

    region: str
    birth_date: date
    sex: Sex


def parse_id_number(value: str, *, today: date | None = None) -> IdNumberFacts:
    """Validate shape, check character and embedded birth date; return the facts it encodes."""
    number = normalize_id_number(value)
    if not _ID_SHAPE.fullmatch(number):
        raise InvalidIdNumber(
            "an ID number is 17 digits followed by a digit or X",
            "身份证号码应为17位数字加一位数字或X",
        )
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(
            "the check character of the ID number does not match", "身份证号码校验位不符"
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber(
            "the ID number holds no valid birth date", "身份证号码中的出生日期无效"
        ) from exc
    if not _EARLIEST_BIRTH <= birth <= (today or date.today()):
        raise InvalidIdNumber(
            "the birth date in the ID number is out of range", "身份证号码中的出生日期超出范围"
        )
    # The 17th digit is the order code: odd for men, even for women.
    sex = Sex.MALE if int(number[16]) % 2 else Sex.FEMALE
    return IdNumberFacts(region=number[:6], birth_date=birth, sex=sex)


def normalize_id_number(value: str) -> str:
    return value.strip().replace(" ", "").upper()


def normalize_phone(value: str) -> str:
    """Digits only, without the +86 / 0086 country prefix people often type."""
    digits = re.sub(r"[\s-]", "", value.strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not _MOBILE.fullmatch(digits):
        raise InvalidPhone(
            "a mainland mobile number is 11 digits starting with 13-19",
            "手机号码应为以13至19开头的11位数字",
        )
    return digits


def _validated_id_number(value: str) -> str:
    parse_id_number(value)
    return normalize_id_number(value)


IdNumberStr = Annotated[
    str,
    AfterValidator(_validated_id_number),
    WithJsonSchema({"type": "string", "pattern": ID_NUMBER_PATTERN}),
]
"""A pydantic field type: a valid citizen ID number, normalized (upper-case X, no spaces)."""

MobilePhoneStr = Annotated[
    str,
    AfterValidator(normalize_phone),
    # The canonical form; spaces, dashes and a +86 / 0086 prefix are accepted and dropped.
    WithJsonSchema({"type": "string", "pattern": MOBILE_PATTERN}),
]
"""A pydantic field type: a mainland mobile number, normalized to its 11 digits."""


def mask_name(name: str) -> str:
    """`张*`, `李**`: the first character kept, the rest hidden (shown in events)."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)
