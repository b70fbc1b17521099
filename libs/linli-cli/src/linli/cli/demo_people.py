"""The demo city's households and residents: made up, deterministic, shaped like a real community.

Every community gets the same layout (buildings 1–6, two units, six floors, two flats a floor),
about seven in ten flats lived in by one of a few household kinds seen in the seeds' reports:
elders living alone (独居老人), elderly couples, young families, three generations, children left
with grandparents (留守儿童) and young tenants. Names, ID numbers (valid GB 11643 check
characters, birth dates matching the ages) and phones are fictitious and stable from run to run.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from linli.residents.identity import check_character

BUILDINGS = tuple(str(n) for n in range(1, 7))
UNITS = ("1", "2")
FLOORS = range(1, 7)
FLATS_PER_FLOOR = 2
OCCUPIED_SHARE = 0.7
# Buildings of each grid: 1–3 are grid 1, 4–6 grid 2 (a grid worker walks a few buildings).
GRID_OF_BUILDING = {b: 1 if int(b) <= 3 else 2 for b in BUILDINGS}

# Where the made-up ID numbers say their holders were registered: 滨江区.
_REGION = "330108"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹沈钱蒋叶"
_GIVEN_MALE = (
    "伟",
    "强",
    "磊",
    "军",
    "杰",
    "涛",
    "明",
    "超",
    "勇",
    "华",
    "建国",
    "志强",
    "浩然",
    "子轩",
)
_GIVEN_FEMALE = (
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "霞",
    "婷",
    "秀英",
    "桂兰",
    "玉珍",
    "欣怡",
    "梓涵",
)
_MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "158", "159", "177", "186", "188")

COLUMNS = ("community_code", "building", "unit", "room", "name", "id_number", "relation_to_head")
OPTIONAL_COLUMNS = ("phone", "tags")


@dataclass(frozen=True, slots=True)
class _Member:
    relation: str
    age_range: tuple[int, int]
    male: bool | None = None  # None: either
    tags: tuple[str, ...] = ()


# (weight, members); a member's tags come on top of the ones drawn for every adult.
_HOUSEHOLD_KINDS: tuple[tuple[int, tuple[_Member, ...]], ...] = (
    (14, (_Member("head", (66, 92), tags=("living_alone",)),)),
    (18, (_Member("head", (60, 85), male=True), _Member("spouse", (58, 83), male=False))),
    (
        34,
        (
            _Member("head", (30, 48), male=True),
            _Member("spouse", (28, 46), male=False),
            _Member("child", (1, 17)),
        ),
    ),
    (
        14,
        (
            _Member("head", (34, 50), male=True),
            _Member("spouse", (32, 48), male=False),
            _Member("child", (3, 16)),
            _Member("parent", (62, 86)),
        ),
    ),
    (
        6,
        (
            _Member("head", (58, 76), male=True),
            _Member("spouse", (56, 74), male=False),
            _Member("grandchild", (4, 14), tags=("left_behind",)),
        ),
    ),
    (14, (_Member("head", (22, 34), tags=("tenant", "new_resident")),)),
)


@dataclass(frozen=True, slots=True)
class DemoResident:
    community_code: str
    building: str
    unit: str
    room: str
    name: str
    id_number: str
    relation_to_head: str
    phone: str
    tags: tuple[str, ...]


class _People:
    """Draws people with ID numbers never given twice."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self._rng = rng
        self._today = today
        self._given: set[str] = set()

    def person(self, member: _Member, *, surname: str | None = None) -> tuple[str, str, int]:
        """Name, ID number and age of one member."""
        rng = self._rng
        male = rng.random() < 0.5 if member.male is None else member.male
        age = rng.randint(*member.age_range)
        born = self._today - timedelta(days=365 * age + rng.randint(1, 360))
        while True:
            # The 17th digit is the order code: odd for men, even for women.
            order = rng.randrange(1 if male else 0, 1000, 2)
            body = f"{_REGION}{born:%Y%m%d}{order:03d}"
            number = body + check_character(body)
            if number not in self._given:
                self._given.add(number)
                break
        given = rng.choice(_GIVEN_MALE if male else _GIVEN_FEMALE)
        return (surname or rng.choice(_SURNAMES)) + given, number, age

    def phone(self) -> str:
        return self._rng.choice(_MOBILE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"


def demo_residents(
    communities: Sequence[str], *, today: date, seed: int = 2025
) -> Iterator[DemoResident]:
    """The residents of every community, household by household (head first)."""
    rng = random.Random(seed)
    people = _People(rng, today)
    weights = [weight for weight, _ in _HOUSEHOLD_KINDS]
    kinds = [members for _, members in _HOUSEHOLD_KINDS]
    for community in communities:
        for building in BUILDINGS:
            for unit in UNITS:
                for floor in FLOORS:
                    for flat in range(1, FLATS_PER_FLOOR + 1):
                        if rng.random() >= OCCUPIED_SHARE:
                            continue
                        room = f"{floor}{flat:02d}"
                        members = rng.choices(kinds, weights)[0]
                        family = rng.choice(_SURNAMES)
                        for member in members:
                            # Children take the head's surname; a spouse or parent keeps theirs.
                            keeps_family = member.relation in ("head", "child", "grandchild")
                            name, number, age = people.person(
                                member, surname=family if keeps_family else None
                            )
                            tags = list(member.tags)
                            if member.relation == "head" and "tenant" not in tags:
                                tags.append("owner")
                            if age >= 18:
                                tags += _adult_tags(rng, elderly=age >= 60)
                            yield DemoResident(
                                community_code=community,
                                building=building,
                                unit=unit,
                                room=room,
                                name=name,
                                id_number=number,
                                relation_to_head=member.relation,
                                phone=people.phone() if age >= 16 else "",
                                tags=tuple(tags),
                            )


def _adult_tags(rng: random.Random, *, elderly: bool) -> list[str]:
    tags = []
    if rng.random() < 0.08:
        tags.append("party_member")
    if rng.random() < (0.04 if elderly else 0.07):
        tags.append("volunteer")
    if rng.random() < (0.12 if elderly else 0.01):
        tags.append("mobility_impaired")
    if rng.random() < 0.02:
        tags.append("disabled")
    return tags


def demo_residents_csv(residents: Sequence[DemoResident]) -> str:
    """The residents as the bulk import's CSV (English column names)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, *OPTIONAL_COLUMNS))
    for r in residents:
        writer.writerow(
            (
                r.community_code,
                r.building,
                r.unit,
                r.room,
                r.name,
                r.id_number,
                r.relation_to_head,
                r.phone,
                ";".join(r.tags),
            )
        )
    return out.getvalue()
