"""The columns of an import file and the rules of one row, the registry's own: nothing here
touches the database (the checks that need it, such as a person already registered, are in
service.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from linli.common.events import ClearPiiInEvent, ensure_no_clear_pii
from linli.common.inputs import NUL
from linli.common.pii import PiiField, mask
from linli.residents.ages import DerivedTag
from linli.residents.identity import (
    InvalidIdNumber,
    InvalidPhone,
    normalize_id_number,
    normalize_phone,
    parse_id_number,
)
from linli.residents.models import RelationToHead, Sex, StoredTag

# Column → the names a header may give it (English as exported, and the Chinese a worker types).
COLUMNS: dict[str, tuple[str, ...]] = {
    "community_code": ("community_code", "社区代码", "社区编码"),
    "court": ("court", "小区", "苑区"),
    "building": ("building", "楼栋", "楼幢"),
    "unit": ("unit", "单元"),
    "room": ("room", "房号", "户号", "门牌"),
    "name": ("name", "姓名"),
    "id_number": ("id_number", "身份证号", "公民身份号码", "身份证号码"),
    "phone": ("phone", "手机号", "联系电话", "手机"),
    "relation_to_head": ("relation_to_head", "与户主关系"),
    "tags": ("tags", "标签"),
}
REQUIRED = ("community_code", "building", "unit", "room", "name", "id_number", "relation_to_head")
# Columns of an export that an import ignores, so an export (revealed) can be imported elsewhere.
IGNORED = frozenset(
    {"resident_id", "household_id", "sex", "birth_date", "age_band", "grid_id", "derived_tags"}
)
_ALIASES = {alias.lower(): column for column, aliases in COLUMNS.items() for alias in aliases}

RELATION_ALIASES: dict[str, RelationToHead] = {
    "户主": RelationToHead.HEAD,
    "本人": RelationToHead.HEAD,
    "配偶": RelationToHead.SPOUSE,
    "子女": RelationToHead.CHILD,
    "子": RelationToHead.CHILD,
    "女": RelationToHead.CHILD,
    "儿媳": RelationToHead.CHILD_IN_LAW,
    "女婿": RelationToHead.CHILD_IN_LAW,
    "父母": RelationToHead.PARENT,
    "父亲": RelationToHead.PARENT,
    "母亲": RelationToHead.PARENT,
    "公婆": RelationToHead.PARENT_IN_LAW,
    "岳父母": RelationToHead.PARENT_IN_LAW,
    "祖父母": RelationToHead.GRANDPARENT,
    "外祖父母": RelationToHead.GRANDPARENT,
    "孙子女": RelationToHead.GRANDCHILD,
    "外孙子女": RelationToHead.GRANDCHILD,
    "兄弟姐妹": RelationToHead.SIBLING,
    "租户": RelationToHead.TENANT,
    "其他": RelationToHead.OTHER,
}
_TAG_SEPARATORS = re.compile(r"[;；]")
# As for addresses everywhere in the registry: 7+ digits look like a phone or ID number typed in
# the wrong box, and address parts travel in events.
_LONG_DIGIT_RUN = re.compile(r"\d{7,}")
_COMMUNITY = re.compile(r"[0-9]{12}", re.ASCII)
MAX_ADDRESS = 32
MAX_COURT = 100
MAX_NAME = 50
MAX_REPORTED_VALUE = 200


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a cell is refused, in both languages of the report."""

    code: str
    en: str
    zh: str


R_MISSING = Reason("missing", "required value is empty", "必填项为空")
R_TOO_LONG = Reason("too_long", "value is too long", "内容过长")
R_DIGITS_IN_ADDRESS = Reason(
    "digits_in_address",
    "an address part cannot hold 7 or more digits in a row",
    "地址不能包含连续7位及以上数字",
)
R_COMMUNITY_FORMAT = Reason(
    "community_format", "a community code is 12 digits", "社区代码应为12位数字"
)
R_COMMUNITY_UNKNOWN = Reason("community_unknown", "no such community in the registry", "社区不存在")
R_OUT_OF_SCOPE = Reason(
    "out_of_scope", "the community lies outside the import's scope", "社区不在导入范围内"
)
R_ID_INVALID = Reason("id_number_invalid", "invalid ID number", "身份证号无效")
R_PHONE_INVALID = Reason(
    "phone_invalid",
    "not an 11-digit mainland mobile number",
    "手机号应为11位大陆手机号",
)
R_RELATION = Reason(
    "relation_invalid",
    "unknown relation to the head of household",
    "与户主关系无效",
)
R_TAG_UNKNOWN = Reason("tag_unknown", "unknown tag", "标签无效")
R_TAG_DERIVED = Reason(
    "tag_derived",
    "elderly and child are derived from the birth date and cannot be set",
    "老年人、未成年人标签由出生日期计算，不能导入",
)
R_DUPLICATE_IN_FILE = Reason(
    "duplicate_in_file", "the same person appears earlier in the file", "同一人在文件中重复出现"
)
R_ALREADY_REGISTERED = Reason(
    "already_registered",
    "this person is already in the registry",
    "该居民已在登记库中",
)
R_COURT_CONFLICT = Reason(
    "court_conflict",
    "the same building is given another court in an earlier row",
    "同一楼栋在前面的行中属于另一小区",
)
R_SECOND_HEAD = Reason(
    "second_head",
    "the dwelling's head is given in an earlier row",
    "同一户的户主已在前面的行中给出",
)
R_HOUSEHOLD_HAS_HEAD = Reason(
    "household_has_head",
    "the household at this address already has a head in the registry",
    "该地址的住户在登记库中已有户主",
)
R_UNKNOWN_COLUMN = Reason("unknown_column", "unknown column", "无法识别的列")
R_MISSING_COLUMN = Reason("missing_column", "required column is missing", "缺少必需的列")
R_DUPLICATE_COLUMN = Reason("duplicate_column", "column given twice", "列重复")
R_NO_ROWS = Reason("no_rows", "the file has a header but no rows", "文件没有数据行")
R_UNREADABLE = Reason("unreadable", "the file cannot be read", "文件无法读取")
R_TOO_MANY_ROWS = Reason("too_many_rows", "the file has too many rows", "文件行数过多")
R_CELL_TOO_LONG = Reason("cell_too_long", "a cell is far too long", "单元格内容过长")
R_NUL = Reason(
    "nul_character",
    "the cell holds the NUL character (U+0000)",
    "单元格含有空字符（U+0000）",
)
FILE_REASONS = {reason.code: reason for reason in (R_UNREADABLE, R_TOO_MANY_ROWS, R_CELL_TOO_LONG)}


@dataclass(frozen=True, slots=True)
class Problem:
    """One refused cell (or the whole file, `column="*"`), as the report shows it."""

    row: int
    column: str
    value: str | None
    reason: Reason
    detail: str | None = None
    # The detail in Chinese; a detail that is a value (a tag as typed) reads the same in both.
    detail_zh: str | None = None

    @property
    def reason_en(self) -> str:
        return f"{self.reason.en}: {self.detail}" if self.detail else self.reason.en

    @property
    def reason_zh(self) -> str:
        detail = self.detail_zh
        return f"{self.reason.zh}（{detail}）" if detail else self.reason.zh


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A valid row, normalized; ID number and phone still clear (protected only when stored)."""

    row: int
    community_code: str
    court: str | None
    building: str
    unit: str
    room: str
    name: str
    id_number: str
    phone: str | None
    relation_to_head: RelationToHead
    tags: tuple[str, ...]
    sex: Sex
    birth_date: date


class Header:
    """Where each column is in the file's header row."""

    def __init__(self, positions: dict[str, int]) -> None:
        self.positions = positions

    @classmethod
    def parse(cls, cells: Sequence[str]) -> tuple[Header, list[Problem]]:
        positions: dict[str, int] = {}
        problems: list[Problem] = []
        for index, cell in enumerate(cells):
            # A NUL cannot be stored, not even in the report that names the column.
            label = cell.strip().lstrip("\ufeff").lower().replace(NUL, "\ufffd")
            if not label or label in IGNORED:
                continue
            column = _ALIASES.get(label)
            if column is None:
                problems.append(Problem(1, label[:64], None, R_UNKNOWN_COLUMN))
            elif column in positions:
                problems.append(Problem(1, column, None, R_DUPLICATE_COLUMN))
            else:
                positions[column] = index
        problems += [
            Problem(1, column, None, R_MISSING_COLUMN)
            for column in REQUIRED
            if column not in positions
        ]
        return cls(positions), problems

    def cells(self, cells: Sequence[str]) -> dict[str, str]:
        return {
            column: cells[index].strip() if index < len(cells) else ""
            for column, index in self.positions.items()
        }


def reported_value(column: str, value: str) -> str | None:
    """The value as the report may show it: ID numbers and phones masked, wherever they are."""
    if not value:
        return None
    value = value.replace(NUL, "\ufffd")
    if column == "id_number":
        return mask(PiiField.ID_NUMBER, normalize_id_number(value))[:MAX_REPORTED_VALUE]
    if column == "phone":
        return mask(PiiField.PHONE, value.replace(" ", ""))[:MAX_REPORTED_VALUE]
    try:
        ensure_no_clear_pii(value)
    except ClearPiiInEvent:
        # An ID number or phone typed into another column is still one.
        return "*" * min(len(value), MAX_REPORTED_VALUE)
    return value[:MAX_REPORTED_VALUE]


def check_row(
    row: int, cells: dict[str, str], *, today: date
) -> tuple[ImportRow | None, list[Problem]]:
    """Every field rule of one row; the row, or every problem it has."""
    problems: list[Problem] = []

    def refuse(
        column: str, reason: Reason, detail: str | None = None, detail_zh: str | None = None
    ) -> None:
        value = reported_value(column, cells[column])
        problems.append(Problem(row, column, value, reason, detail, detail_zh))

    # No text column (nor the report) can hold a NUL: such a row is refused for that alone.
    for column, cell in cells.items():
        if NUL in cell:
            refuse(column, R_NUL)
    if problems:
        return None, problems

    community = cells["community_code"]
    if not community:
        refuse("community_code", R_MISSING)
    elif not _COMMUNITY.fullmatch(community):
        refuse("community_code", R_COMMUNITY_FORMAT)
    for column in ("building", "unit", "room"):
        _check_text(cells[column], column, MAX_ADDRESS, refuse, address=True)
    court = cells.get("court", "")
    if court:
        _check_text(court, "court", MAX_COURT, refuse, address=True)
    _check_text(cells["name"], "name", MAX_NAME, refuse, address=False)

    facts = None
    id_number = normalize_id_number(cells["id_number"])
    if not id_number:
        refuse("id_number", R_MISSING)
    else:
        try:
            facts = parse_id_number(id_number, today=today)
        except InvalidIdNumber as exc:
            refuse("id_number", R_ID_INVALID, str(exc), exc.zh)

    phone: str | None = None
    if cells.get("phone"):
        try:
            phone = normalize_phone(cells["phone"])
        except InvalidPhone:
            refuse("phone", R_PHONE_INVALID)

    relation = _relation(cells["relation_to_head"])
    if not cells["relation_to_head"]:
        refuse("relation_to_head", R_MISSING)
    elif relation is None:
        refuse("relation_to_head", R_RELATION)

    tags: set[str] = set()
    for raw in _TAG_SEPARATORS.split(cells.get("tags", "")):
        tag = raw.strip().lower()
        if not tag:
            continue
        if tag in (DerivedTag.ELDERLY, DerivedTag.CHILD):
            refuse("tags", R_TAG_DERIVED, tag, tag)
        elif tag in StoredTag._value2member_map_:
            tags.add(tag)
        else:
            refuse("tags", R_TAG_UNKNOWN, tag[:32], tag[:32])

    if problems or facts is None or relation is None:
        return None, problems
    return (
        ImportRow(
            row=row,
            community_code=community,
            court=court or None,
            building=cells["building"],
            unit=cells["unit"],
            room=cells["room"],
            name=cells["name"],
            id_number=id_number,
            phone=phone,
            relation_to_head=relation,
            tags=tuple(sorted(tags)),
            sex=facts.sex,
            birth_date=facts.birth_date,
        ),
        [],
    )


def _check_text(value: str, column: str, limit: int, refuse: _Refuse, *, address: bool) -> None:
    if not value:
        refuse(column, R_MISSING)
    elif len(value) > limit:
        refuse(column, R_TOO_LONG, f"at most {limit} characters", f"最多 {limit} 个字符")
    elif address and _LONG_DIGIT_RUN.search(value):
        refuse(column, R_DIGITS_IN_ADDRESS)


def _relation(value: str) -> RelationToHead | None:
    if value in RELATION_ALIASES:
        return RELATION_ALIASES[value]
    try:
        return RelationToHead(value.lower())
    except ValueError:
        return None


class _Refuse(Protocol):
    def __call__(
        self, column: str, reason: Reason, detail: str | None = None, detail_zh: str | None = None
    ) -> None: ...
