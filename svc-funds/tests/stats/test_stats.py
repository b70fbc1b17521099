"""`GET /stats`: funds, cash and the month's flows of a division subtree, equal to the funds' own
figures; refused to residents, outside the caller's scope, and for a bad month or code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from linli.common.auth import Role
from linli.funds.committees.service import today
from linli.testing.tokens import TestIssuer

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
IncomeFactory = Callable[..., Awaitable[dict[str, Any]]]
SeatFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]

STREET = "330108001"
COMMUNITY = "330108001001"
OTHER_COMMUNITY = "330108002001"


async def test_figures_sum_the_subtree_and_equal_the_funds_own(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    staff: Headers,
    member: Headers,
    create_fund: FundFactory,
    receive_income: IncomeFactory,
    seat: SeatFactory,
) -> None:
    street = await create_fund(division_code=STREET, name="西兴街道基金", quorum=1)
    await receive_income(street, 1_000_000)
    await seat(street, "acct-street-member")
    community = await create_fund(division_code=COMMUNITY, name="东信社区基金")
    await receive_income(community, 50_000)
    elsewhere = await create_fund(division_code=OTHER_COMMUNITY, name="别处基金")
    await receive_income(elsewhere, 7_000)
    filed = await client.post(
        f"/funds/{street['id']}/payments",
        json={
            "kind": "transfer",
            "to_fund_id": community["id"],
            "amount_fen": 300_000,
            "purpose": "社区微更新补助",
        },
        headers=staff(STREET),
    )
    assert filed.status_code == 201, filed.text
    paid = await client.post(
        f"/payments/{filed.json()['id']}/approvals", headers=member("acct-street-member")
    )
    assert paid.status_code == 200, paid.text

    month = today().strftime("%Y-%m")
    of_street = await client.get("/stats", params={"division": STREET}, headers=staff(STREET))
    assert of_street.status_code == 200, of_street.text
    assert of_street.json() == {
        "division": STREET,
        "month": month,
        "funds": 2,
        "balance_fen": 700_000 + 350_000,
        # Income into both, and the transfer into the community's fund; out of the street's.
        "inflow_fen": 1_000_000 + 50_000 + 300_000,
        "outflow_fen": 300_000,
        "entries_in_month": 4,
    }
    own = await client.get("/stats", headers=staff(COMMUNITY))
    assert (own.json()["funds"], own.json()["balance_fen"]) == (1, 350_000)
    assert (
        own.json()["balance_fen"]
        == (await client.get(f"/funds/{community['id']}")).json()["balance_fen"]
    )
    city_admin = issuer.headers(roles=[Role.CITY_ADMIN], scope="3301", subject="city")
    city = (await client.get("/stats", params={"division": "3301"}, headers=city_admin)).json()
    assert (city["funds"], city["balance_fen"]) == (3, 1_057_000)
    last_year = await client.get(
        "/stats", params={"division": "3301", "month": f"{today().year - 1}-01"}, headers=city_admin
    )
    assert (last_year.json()["balance_fen"], last_year.json()["inflow_fen"]) == (1_057_000, 0)


async def test_residents_other_scopes_and_bad_input_are_refused(
    client: httpx.AsyncClient, issuer: TestIssuer, staff: Headers
) -> None:
    resident = issuer.headers(roles=[Role.RESIDENT], scope=COMMUNITY, subject="resident-zhang")
    assert (await client.get("/stats", headers=resident)).status_code == 403
    outside = await client.get("/stats", params={"division": OTHER_COMMUNITY}, headers=staff())
    assert outside.status_code == 403
    upward = await client.get("/stats", params={"division": STREET}, headers=staff())
    assert upward.status_code == 403
    for params in ({"division": "33010800100"}, {"month": "2026-13"}, {"division": "３３０１"}):
        bad = await client.get("/stats", params=params, headers=staff())
        assert bad.status_code == 422, params
        assert bad.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/stats")).status_code == 401


async def test_children_equal_each_units_own_answer(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    staff: Headers,
    create_fund: FundFactory,
    receive_income: IncomeFactory,
) -> None:
    second = f"{STREET}002"
    street = await create_fund(division_code=STREET, name="西兴街道基金")
    await receive_income(street, 1_000_000)
    for code, fen in ((COMMUNITY, 50_000), (second, 20_000), (OTHER_COMMUNITY, 7_000)):
        await receive_income(await create_fund(division_code=code, name=f"{code}基金"), fen)
    await receive_income(await create_fund(division_code=COMMUNITY, name="第二个基金"), 1_000)

    async def of(division: str, headers: dict[str, str], **params: str) -> dict[str, Any]:
        answer = await client.get(
            "/stats", params={"division": division, **params}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    street_admin = staff(STREET)
    broken_down = await of(STREET, street_admin, children="true")
    assert broken_down["children"] == [
        await of(COMMUNITY, street_admin),
        await of(second, street_admin),
    ]
    assert [c["balance_fen"] for c in broken_down["children"]] == [51_000, 20_000]
    # The street's own fund is the street's, in no community's figures.
    assert broken_down["balance_fen"] == 1_071_000
    assert {k: v for k, v in broken_down.items() if k != "children"} == await of(
        STREET, street_admin
    )
    district_admin = issuer.headers(roles=[Role.DISTRICT_ADMIN], scope="330108", subject="d")
    district = await of("330108", district_admin, children="true")
    assert district["children"] == [
        await of(STREET, district_admin),
        await of("330108002", district_admin),
    ]
    assert (await of(COMMUNITY, staff(), children="true"))["children"] == []

    outside = await client.get(
        "/stats", params={"division": STREET, "children": "true"}, headers=staff()
    )
    assert outside.status_code == 403
    bad = await client.get(
        "/stats", params={"division": "33010800100", "children": "true"}, headers=street_admin
    )
    assert bad.status_code == 422


async def test_the_openapi_documents_the_children_flag_and_field(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    parameters = spec["paths"]["/stats"]["get"]["parameters"]
    assert "children" in {p["name"] for p in parameters}
    assert "children" in spec["components"]["schemas"]["FundStats"]["properties"]
