"""Statistics over HTTP: each level's figures equal a recount from the rows after many changes,
counters stay exact under concurrent writers, and who may read which division."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.residents.ages import (
    AgeBand,
    age_on,
    band_of,
    derived_tags,
    latest_birth_for_age,
    today_in_shanghai,
)
from linli.residents.identity import check_character
from linli.residents.models import (
    CommunityBirthDateCount,
    CommunityBirthYearCount,
    CommunityCounter,
    CommunityTagCount,
    Household,
    Registration,
    RegistrationStatus,
    Resident,
    StoredTag,
)
from linli.residents.stats.service import recount_communities
from linli.testing.tokens import TestIssuer

ResidentFactory = Callable[..., Awaitable[dict[str, Any]]]

pytestmark = pytest.mark.usefixtures("tree")

COMMUNITIES = ("330108001001", "330108001002", "330108002001")
DIVISIONS = ("3301", "330108", "330108001", "330108002", *COMMUNITIES)
_orders = itertools.count(100)


def worker(issuer: TestIssuer, scope: str) -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=scope, subject=f"worker-{scope}")


def city_admin(issuer: TestIssuer) -> dict[str, str]:
    return issuer.headers(roles=[Role.CITY_ADMIN], scope="3301", subject="city-admin")


def id_number_born(born: date) -> str:
    # Region 330109, not conftest's 330108: its own counter can then never give a number the
    # residents made by `create_resident` already hold, whatever order the tests run in.
    body = f"330109{born:%Y%m%d}{next(_orders):03d}"
    return body + check_character(body)


def years_before(today: date, years: int, *, days: int = 0) -> date:
    return latest_birth_for_age(years, today) + timedelta(days=days)


def boundary_birth_dates(today: date) -> list[date]:
    """Birth dates on and around every band boundary today, and a few ordinary ones."""
    dates = [date(1990, 3, 7), date(2015, 12, 31), date(1940, 1, 1)]
    for age in (18, 35, 60, 80):
        dates += [years_before(today, age, days=d) for d in (-1, 0, 1)]
    return dates


async def move(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> list[dict[str, Any]]:
    response = await client.post(path, json={"reason": "测试", **body}, headers=headers)
    assert response.status_code == 201, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def move_in_body(community: str, room: str, id_number: str) -> dict[str, Any]:
    return {
        "community_code": community,
        "address": {"building": "8幢", "unit": "1单元", "room": room},
        "name": "王五",
        "id_number": id_number,
        "relation_to_head": "other",
        "tags": ["new_resident"],
    }


async def recount(
    sessionmaker: async_sessionmaker[AsyncSession], division: str, today: date
) -> dict[str, Any]:
    """The figures of `division` counted from the rows themselves, the way /stats reports them."""
    async with sessionmaker() as session:
        residents = (
            await session.scalars(
                select(Resident).where(
                    Resident.community_code.startswith(division), Resident.deleted_at.is_(None)
                )
            )
        ).all()
        households = (
            await session.scalars(
                select(Household).where(
                    Household.community_code.startswith(division), Household.deleted_at.is_(None)
                )
            )
        ).all()
        pending = (
            await session.scalars(
                select(Registration).where(
                    Registration.community_code.startswith(division),
                    Registration.status == RegistrationStatus.PENDING,
                )
            )
        ).all()
    bands = Counter(band_of(age_on(r.birth_date, today)).value for r in residents)
    tags = Counter(tag for r in residents for tag in r.tags)
    tags.update(tag.value for r in residents for tag in derived_tags(r.birth_date, today))
    return {
        "population": len(residents),
        "households": len(households),
        "pending_registrations": len(pending),
        "age_bands": {band.value: bands[band.value] for band in AgeBand},
        "tags": {
            **{tag.value: tags[tag.value] for tag in StoredTag},
            "elderly": tags["elderly"],
            "child": tags["child"],
        },
    }


async def counter_rows(session: AsyncSession) -> dict[str, set[tuple[Any, ...]]]:
    """Every counter row with a non-zero count (zero rows are left behind by decrements)."""
    rows: dict[str, set[tuple[Any, ...]]] = {}
    counters = await session.scalars(select(CommunityCounter))
    rows["communities"] = {
        (c.community_code, c.residents, c.households, c.pending_registrations)
        for c in counters
        if c.residents or c.households or c.pending_registrations
    }
    for name, columns in (
        ("tags", (CommunityTagCount.community_code, CommunityTagCount.tag, CommunityTagCount.n)),
        (
            "birth_years",
            (
                CommunityBirthYearCount.community_code,
                CommunityBirthYearCount.birth_year,
                CommunityBirthYearCount.n,
            ),
        ),
        (
            "birth_dates",
            (
                CommunityBirthDateCount.community_code,
                CommunityBirthDateCount.birth_date,
                CommunityBirthDateCount.n,
            ),
        ),
    ):
        result = await session.execute(select(*columns))
        rows[name] = {tuple(row) for row in result if row[-1]}
    return rows


async def assert_counters_equal_a_recount(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The maintained counter rows equal those a recount from the rows builds (rolled back)."""
    async with sessionmaker() as session:
        maintained = await counter_rows(session)
        assert all(n >= 0 for table in maintained.values() for *_, n in table)
        await recount_communities(session, community_codes=COMMUNITIES)
        recounted = await counter_rows(session)
        await session.rollback()
    assert maintained == recounted


async def assert_stats_equal_a_recount(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_shanghai()
    for division in DIVISIONS:
        response = await client.get(
            "/stats", params={"division": division}, headers=city_admin(issuer)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["as_of"] == today.isoformat()
        expected = await recount(sessionmaker, division, today)
        assert {key: body[key] for key in expected} == expected, division
        assert sum(body["age_bands"].values()) == body["population"]


async def test_figures_of_every_level_equal_a_recount_after_creates_edits_deletions_and_reviews(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    registration_payload: Any,
    create_resident: ResidentFactory,
) -> None:
    today = today_in_shanghai()
    tag_cycle = itertools.cycle(
        [[], ["living_alone"], ["party_member", "volunteer"], ["disabled", "living_alone"]]
    )
    created: list[dict[str, Any]] = []
    for n, (community, born) in enumerate(
        itertools.product(COMMUNITIES, boundary_birth_dates(today))
    ):
        # Two or three people per dwelling: some households have several members.
        created.append(
            await create_resident(
                community=community,
                born=born,
                room=str(101 + n // 3),
                tags=next(tag_cycle),
                building="1幢",
                unit="1单元",
                # Not `head`: they share dwellings, and a household has one head.
                relation_to_head="other",
            )
        )
    await assert_stats_equal_a_recount(client, issuer, sessionmaker)

    # Tags replaced, birth dates corrected (the ID number carries it), records deleted.
    for person in created[::4]:
        headers = worker(issuer, person["community_code"])
        response = await client.patch(
            f"/residents/{person['id']}",
            json={"tags": ["owner", "living_alone"]},
            headers=headers,
        )
        assert response.status_code == 200, response.text
    for person, born in zip(created[1::5], boundary_birth_dates(today)[::-1], strict=False):
        person["clear_id_number"] = id_number_born(born)
        response = await client.patch(
            f"/residents/{person['id']}",
            json={"id_number": person["clear_id_number"]},
            headers=worker(issuer, person["community_code"]),
        )
        assert response.status_code == 200, response.text
    for person in created[2::6]:
        response = await client.request(
            "DELETE",
            f"/residents/{person['id']}",
            json={"reason": "deceased"},
            headers=worker(issuer, person["community_code"]),
        )
        assert response.status_code == 204, response.text
    # An emptied household deleted too.
    household_id = created[2]["household_id"]
    async with sessionmaker() as session:
        members = (
            await session.scalars(
                select(Resident).where(
                    Resident.household_id == household_id, Resident.deleted_at.is_(None)
                )
            )
        ).all()
    for member in members:
        response = await client.request(
            "DELETE",
            f"/residents/{member.id}",
            json={"reason": "duplicate"},
            headers=worker(issuer, member.community_code),
        )
        assert response.status_code == 204
    response = await client.request(
        "DELETE",
        f"/households/{household_id}",
        json={"reason": "other"},
        headers=worker(issuer, created[2]["community_code"]),
    )
    assert response.status_code == 204, response.text

    # Moves: new people in, people of street 1 received by street 2 (by ID number), people and a
    # whole household out, a household across communities of street 1, someone back in.
    live = [p for p in created if p not in created[2::6] and p["household_id"] != household_id]
    for n, community in enumerate(COMMUNITIES):
        for born in (years_before(today, 60), years_before(today, 5, days=3)):
            await move(
                client,
                "/moves/in",
                move_in_body(community, str(800 + n), id_number_born(born)),
                worker(issuer, community),
            )
    street_one = [p for p in live if p["community_code"].startswith("330108001")]
    for n, person in enumerate(street_one[:5]):
        [moved] = await move(
            client,
            "/moves/in",
            move_in_body(COMMUNITIES[2], str(850 + n % 2), person["clear_id_number"]),
            worker(issuer, COMMUNITIES[2]),
        )
        assert moved["kind"] == "transfer"
    leaving = street_one[5]
    await move(
        client,
        "/moves/out",
        {"resident_id": leaving["id"]},
        worker(issuer, leaving["community_code"]),
    )
    whole = street_one[-1]
    await move(
        client,
        "/moves/transfer",
        {
            "household_id": whole["household_id"],
            "to_community_code": COMMUNITIES[1]
            if whole["community_code"] == COMMUNITIES[0]
            else COMMUNITIES[0],
            "to_address": {"building": "7幢", "unit": "1单元", "room": "701"},
        },
        issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001"),
    )
    out_household = next(p for p in live if p["community_code"] == COMMUNITIES[2])
    await move(
        client,
        "/moves/out",
        {"household_id": out_household["household_id"]},
        worker(issuer, COMMUNITIES[2]),
    )
    await move(
        client,
        "/moves/in",
        move_in_body(COMMUNITIES[0], "870", leaving["clear_id_number"]),
        worker(issuer, COMMUNITIES[0]),
    )
    await assert_stats_equal_a_recount(client, issuer, sessionmaker)
    await assert_counters_equal_a_recount(sessionmaker)

    # Registrations: submitted, some approved (a resident and maybe a household), some rejected.
    registrations = []
    for n, community in enumerate(COMMUNITIES * 3):
        response = await client.post(
            "/registrations",
            json=registration_payload(
                community_code=community,
                id_number=id_number_born(years_before(today, 18 + n)),
                address={"building": "9幢", "unit": "1单元", "room": str(900 + n % 2)},
            ),
            headers=issuer.headers(roles=[Role.RESIDENT], subject=f"applicant-{n}"),
        )
        assert response.status_code == 201, response.text
        registrations.append(response.json())
    await assert_stats_equal_a_recount(client, issuer, sessionmaker)
    for registration in registrations[:3]:
        response = await client.post(
            f"/registrations/{registration['id']}/approve",
            headers=worker(issuer, registration["community_code"]),
        )
        assert response.status_code == 200, response.text
    for registration in registrations[3:5]:
        response = await client.post(
            f"/registrations/{registration['id']}/reject",
            json={"reason": "地址有误"},
            headers=worker(issuer, registration["community_code"]),
        )
        assert response.status_code == 200, response.text

    await assert_stats_equal_a_recount(client, issuer, sessionmaker)
    await assert_counters_equal_a_recount(sessionmaker)


async def test_concurrent_writers_in_one_community_leave_exact_counters(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
) -> None:
    community = COMMUNITIES[0]
    births = [date(1950 + n, 1 + n % 12, 1 + n % 28) for n in range(24)]

    await asyncio.gather(
        *(
            create_resident(
                community=community,
                born=born,
                room=str(200 + n % 6),
                tags=["living_alone"] if n % 2 else [],
                building="1幢",
                unit="1单元",
                relation_to_head="other",
            )
            for n, born in enumerate(births)
        )
    )

    response = await client.get(
        "/stats", params={"division": community}, headers=worker(issuer, community)
    )
    assert response.json()["population"] == len(births)
    assert response.json()["households"] == 6
    assert response.json()["tags"]["living_alone"] == len(births) // 2
    await assert_counters_equal_a_recount(sessionmaker)


async def test_who_may_read_which_division(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    street = issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001")
    grid = issuer.headers(roles=[Role.GRID_WORKER], scope=COMMUNITIES[0])
    resident = issuer.headers(roles=[Role.RESIDENT], subject="resident-1")

    async def status(division: str | None, headers: dict[str, str]) -> int:
        params = {"division": division} if division else {}
        return (await client.get("/stats", params=params, headers=headers)).status_code

    assert await status("330108001", street) == 200
    assert await status(COMMUNITIES[1], street) == 200
    assert await status(None, street) == 200  # the caller's own scope
    assert await status(COMMUNITIES[2], street) == 403  # another street
    assert await status("330108", street) == 403  # above the scope
    assert await status(COMMUNITIES[0], grid) == 200
    # An auditor reads the counts of its scope, and no person behind them.
    auditor = issuer.headers(roles=[Role.AUDITOR], scope="330108001")
    assert await status("330108001", auditor) == 200
    assert await status("330108", auditor) == 403
    people = await client.get("/residents", params={"division": "330108001"}, headers=auditor)
    assert people.status_code == 403
    assert await status("3301", resident) == 403
    assert await status("330108001999", street) == 404  # inside the scope, no such community
    assert await status("33010", street) == 422
    assert (await client.get("/stats", params={"division": "3301"})).status_code == 401


async def test_the_answer_is_empty_not_missing_for_a_division_without_residents(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    response = await client.get("/stats", params={"division": "3301"}, headers=city_admin(issuer))

    assert response.status_code == 200
    body = response.json()
    assert (body["level"], body["name"], body["population"], body["households"]) == (
        "city",
        "杭州市",
        0,
        0,
    )
    assert set(body["age_bands"]) == {band.value for band in AgeBand}
    assert set(body["tags"]) == {tag.value for tag in StoredTag} | {"elderly", "child"}


async def test_children_equal_each_units_own_answer_zeros_included(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    today = today_in_shanghai()
    tags = itertools.cycle([[], ["living_alone"], ["party_member", "volunteer"]])
    for n, (community, born) in enumerate(
        itertools.product(COMMUNITIES[:2], boundary_birth_dates(today))
    ):
        await create_resident(
            community=community,
            born=born,
            room=str(201 + n),
            tags=next(tags),
            building="2幢",
            unit="1单元",
        )
    admin = city_admin(issuer)

    async def of(division: str, **params: str) -> dict[str, Any]:
        answer = await client.get("/stats", params={"division": division, **params}, headers=admin)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    street = await of("330108001", children="true")
    assert street["children"] == [await of(COMMUNITIES[0]), await of(COMMUNITIES[1])]
    assert {k: v for k, v in street.items() if k != "children"} == await of("330108001")
    assert sum(c["population"] for c in street["children"]) == street["population"] > 0
    # A street without residents is in the district's breakdown all the same, with zeros.
    district = await of("330108", children="true")
    assert district["children"] == [await of("330108001"), await of("330108002")]
    assert district["children"][1]["population"] == 0
    city = await of("3301", children="true")
    assert [c["division"] for c in city["children"]] == ["330108"]
    assert (await of(COMMUNITIES[0], children="true"))["children"] == []
    assert "children" not in await of("330108001")

    street_admin = issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001")
    outside = await client.get(
        "/stats", params={"division": "330108", "children": "true"}, headers=street_admin
    )
    assert outside.status_code == 403
    for params in ({"division": "33010", "children": "true"}, {"children": "perhaps"}):
        bad = await client.get("/stats", params=params, headers=street_admin)
        assert bad.status_code == 422, params


async def test_the_openapi_documents_the_children_flag_and_field(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    parameters = spec["paths"]["/stats"]["get"]["parameters"]
    assert "children" in {p["name"] for p in parameters}
    assert "children" in spec["components"]["schemas"]["DivisionStats"]["properties"]
