"""The rules of one import row and of the header, without the database."""

from __future__ import annotations

from datetime import date

from linli.residents.identity import check_character
from linli.residents.imports.rows import Header, check_row, reported_value
from linli.residents.models import RelationToHead, Sex

TODAY = date(2026, 11, 23)
BODY = "33010819900307123"


def cells(**overrides: str) -> dict[str, str]:
    values = {
        "community_code": "330108001001",
        "court": "",
        "building": "3幢",
        "unit": "2单元",
        "room": "501",
        "name": "张三",
        "id_number": BODY + check_character(BODY),
        "phone": "+86 138-1234-5678",
        "relation_to_head": "户主",
        "tags": "volunteer；party_member;volunteer",
    }
    values.update(overrides)
    return values


def test_a_good_row_is_normalized_and_takes_sex_and_birth_date_from_the_id_number() -> None:
    row, problems = check_row(2, cells(), today=TODAY)

    assert problems == [] and row is not None
    assert (row.sex, row.birth_date) == (Sex.MALE, date(1990, 3, 7))
    assert row.phone == "13812345678"
    assert row.relation_to_head is RelationToHead.HEAD
    assert row.tags == ("party_member", "volunteer")
    assert row.court is None


def test_every_problem_of_a_row_is_reported_with_masked_identifiers() -> None:
    bad_id = BODY + ("0" if check_character(BODY) != "0" else "1")
    row, problems = check_row(
        5,
        cells(id_number=bad_id, phone="12345678901", relation_to_head="boss", tags="elderly;vip"),
        today=TODAY,
    )

    assert row is None
    assert [(p.row, p.column, p.reason.code) for p in problems] == [
        (5, "id_number", "id_number_invalid"),
        (5, "phone", "phone_invalid"),
        (5, "relation_to_head", "relation_invalid"),
        (5, "tags", "tag_derived"),
        (5, "tags", "tag_unknown"),
    ]
    assert problems[0].value == "330***********" + bad_id[-4:]
    assert problems[1].value == "123****8901"
    assert "check character" in problems[0].reason_en and problems[0].reason_zh


def test_a_birth_date_after_today_is_refused() -> None:
    body = "33010820270101123"
    _, problems = check_row(2, cells(id_number=body + check_character(body)), today=TODAY)

    assert [p.reason.code for p in problems] == ["id_number_invalid"]


def test_an_identifier_typed_into_another_column_is_masked_in_the_report() -> None:
    assert reported_value("name", "13812345678") == "***********"
    assert reported_value("name", "张三") == "张三"


def test_the_header_takes_chinese_names_and_ignores_export_only_columns() -> None:
    header, problems = Header.parse(
        ["\ufeff社区代码", "楼栋", "单元", "房号", "姓名", "身份证号", "与户主关系", "resident_id"]
    )

    assert problems == []
    assert (
        header.cells(["330108001001", "1幢", "1单元", "101", "王五", "x", "户主", "id"])["building"]
        == "1幢"
    )


def test_a_header_names_each_unknown_missing_or_repeated_column() -> None:
    _, problems = Header.parse(["community_code", "name", "name", "nickname"])

    assert {(p.column, p.reason.code) for p in problems} == {
        ("name", "duplicate_column"),
        ("nickname", "unknown_column"),
        ("building", "missing_column"),
        ("unit", "missing_column"),
        ("room", "missing_column"),
        ("id_number", "missing_column"),
        ("relation_to_head", "missing_column"),
    }
