"""China's 12-digit statistical division codes (统计用区划代码) and the four levels built on them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from linli.common.errors import InvalidValue

# ASCII digits only: `\d` and str.isdigit also take ３３０１ and Arabic-Indic digits, which
# int() reads as numbers but no code column or CHECK constraint accepts.
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
DIVISION_CODE_PATTERN = "^([0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"
COMMUNITY_CODE_PATTERN = "^[0-9]{12}$"


class Level(StrEnum):
    """The governance levels: city → district → street → community."""

    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


# Length of the code prefix that names a unit of each level.
LEVEL_LENGTH: dict[Level, int] = {
    Level.CITY: 4,
    Level.DISTRICT: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
}
_LENGTH_LEVEL = {length: level for level, length in LEVEL_LENGTH.items()}


class InvalidDivisionCode(InvalidValue):
    """A division code that is not 4, 6, 9 or 12 digits."""


@dataclass(frozen=True, slots=True)
class DivisionCode:
    """A division code at any level; `code` is the prefix that names it (4, 6, 9 or 12 digits)."""

    code: str

    @classmethod
    def parse(cls, value: str) -> DivisionCode:
        value = value.strip()
        if not _DIGITS.fullmatch(value) or len(value) not in _LENGTH_LEVEL:
            raise InvalidDivisionCode(
                f"division code must be 4, 6, 9 or 12 digits (city, district, street, community), got {value!r}",
                f"区划代码应为4、6、9或12位数字（市、区、街道、社区），收到 {value!r}",
            )
        # A 12-digit code whose last digits are zero names a street/district written in full form
        # (e.g. 330108001000); we keep it as given: the statistics bureau's full codes are 12 digits.
        return cls(value)

    @property
    def level(self) -> Level:
        return _LENGTH_LEVEL[len(self.code)]

    @property
    def city(self) -> str:
        return self.code[:4]

    def prefix(self, level: Level) -> str | None:
        """This code's ancestor at `level`, or None if that level is below this one."""
        length = LEVEL_LENGTH[level]
        return self.code[:length] if len(self.code) >= length else None

    def child_level(self) -> Level | None:
        """The level of the units directly below this one; None for a community."""
        levels = list(LEVEL_LENGTH)
        index = levels.index(self.level)
        return levels[index + 1] if index + 1 < len(levels) else None

    def parent(self) -> DivisionCode | None:
        levels = list(LEVEL_LENGTH)
        index = levels.index(self.level)
        return DivisionCode(self.code[: LEVEL_LENGTH[levels[index - 1]]]) if index else None

    def covers(self, other: str) -> bool:
        """Whether `other` (a code of this unit or any unit below it) lies inside this unit."""
        return other.startswith(self.code)

    def subject_tokens(self) -> tuple[str, str, str, str]:
        """The four hierarchy tokens of a NATS subject; levels below this one are `_`."""
        return (
            self.code[:4],
            self.code[:6] if len(self.code) >= 6 else "_",
            self.code[:9] if len(self.code) >= 9 else "_",
            self.code if len(self.code) == 12 else "_",
        )

    def __str__(self) -> str:
        return self.code


def _validate_code(value: str) -> str:
    return DivisionCode.parse(value).code


def _validate_community_code(value: str) -> str:
    code = DivisionCode.parse(value)
    if code.level is not Level.COMMUNITY:
        raise InvalidDivisionCode(
            f"a community code has 12 digits, got {value!r}",
            f"社区代码应为12位数字，收到 {value!r}",
        )
    return code.code


DivisionCodeStr = Annotated[
    str,
    AfterValidator(_validate_code),
    WithJsonSchema({"type": "string", "pattern": DIVISION_CODE_PATTERN, "examples": ["330108001"]}),
]
"""A pydantic field type: any-level division code."""

CommunityCodeStr = Annotated[
    str,
    AfterValidator(_validate_community_code),
    WithJsonSchema(
        {"type": "string", "pattern": COMMUNITY_CODE_PATTERN, "examples": ["330108001001"]}
    ),
]
"""A pydantic field type: a 12-digit community code."""


__all__ = [
    "LEVEL_LENGTH",
    "CommunityCodeStr",
    "DivisionCode",
    "DivisionCodeStr",
    "InvalidDivisionCode",
    "Level",
]
