"""The demo city's made-up residents: valid for the registry's own rules, stable, and lifelike."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date

from linli.cli.demo_people import DemoResident, demo_residents, demo_residents_csv
from linli.cli.seed import demo_communities
from linli.residents.ages import age_on
from linli.residents.identity import normalize_phone, parse_id_number
from linli.residents.imports.rows import Header, check_row

TODAY = date(2026, 12, 2)


def residents() -> list[DemoResident]:
    return list(demo_residents(demo_communities(), today=TODAY))


def test_every_id_number_is_valid_unique_and_every_phone_a_mobile() -> None:
    people = residents()
    numbers = [p.id_number for p in people]
    assert len(numbers) == len(set(numbers))
    for person in people:
        parse_id_number(person.id_number, today=TODAY)
        if person.phone:
            normalize_phone(person.phone)


def test_the_same_city_every_run() -> None:
    assert residents() == residents()


def test_households_look_like_households() -> None:
    households: dict[tuple[str, str, str, str], list[DemoResident]] = defaultdict(list)
    for person in residents():
        households[(person.community_code, person.building, person.unit, person.room)].append(
            person
        )
    ages = {
        p.id_number: age_on(parse_id_number(p.id_number, today=TODAY).birth_date, TODAY)
        for members in households.values()
        for p in members
    }
    for members in households.values():
        assert [m.relation_to_head for m in members].count("head") == 1
        assert members[0].relation_to_head == "head"
        for member in members:
            if member.relation_to_head in ("child", "grandchild"):
                assert ages[member.id_number] < 18
            if "living_alone" in member.tags:
                assert len(members) == 1 and ages[member.id_number] >= 60
    tags = Counter(tag for members in households.values() for m in members for tag in m.tags)
    assert set(tags) >= {"living_alone", "left_behind", "tenant", "owner", "party_member"}
    assert len(households) > 500


def test_every_row_of_the_csv_passes_the_import_rules() -> None:
    header_cells, *rows = csv.reader(io.StringIO(demo_residents_csv(residents())))
    header, problems = Header.parse(header_cells)
    assert problems == []
    for number, cells in enumerate(rows, start=2):
        _, problems = check_row(number, header.cells(cells), today=TODAY)
        assert problems == [], cells
