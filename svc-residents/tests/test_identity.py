"""GB 11643 ID numbers, mobile numbers and name masking."""

from __future__ import annotations

from datetime import date

import pytest

from linli.residents.identity import (
    InvalidIdNumber,
    InvalidPhone,
    check_character,
    mask_name,
    normalize_phone,
    parse_id_number,
)
from linli.residents.models import Sex


def test_the_standards_own_example_is_valid() -> None:
    # GB 11643-1999's worked example; its check character is X.
    facts = parse_id_number("11010519491231002x")

    assert check_character("11010519491231002") == "X"
    assert facts.birth_date == date(1949, 12, 31)
    assert facts.sex is Sex.FEMALE
    assert facts.region == "110105"


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # wrong check character
        "11010519491331002X",  # month 13
        "01010519491231002X",  # region cannot start with 0
        "1101051949123100",  # too short
        f"11010521000101001{check_character('11010521000101001')}",  # born in the future
    ],
)
def test_invalid_id_numbers_are_refused(value: str) -> None:
    with pytest.raises(InvalidIdNumber):
        parse_id_number(value, today=date(2026, 11, 23))


def test_phones_lose_their_country_prefix_and_separators() -> None:
    assert normalize_phone("+86 138-1234-5678") == "13812345678"
    with pytest.raises(InvalidPhone):
        normalize_phone("12812345678")


@pytest.mark.parametrize(("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "*")])
def test_names_keep_their_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked
