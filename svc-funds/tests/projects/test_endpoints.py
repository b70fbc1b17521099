"""Projects over HTTP: the corridor story (residents crowdfund 1,150 yuan for a stairwell, the
committee approves the project and its payment, the public pages show every yuan in and out),
and every refusal of the vote, the crowdfunding, the payments and the completion."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from linli.common.auth import Role
from linli.funds.events import funds_event_adapter
from linli.testing import OutboxReader
from linli.testing.tokens import TestIssuer

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
SeatFactory = Callable[..., Awaitable[dict[str, Any]]]
DonateFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]

STAIRWELL = {
    "title": "3幢楼道清理",
    "summary": "3幢楼道堆物多年，居民众筹清理并粉刷。",
    "budget": {"budget_fen": 115_000},
}


def resident(issuer: TestIssuer, subject: str, *, committee: bool = False) -> dict[str, str]:
    roles = [Role.RESIDENT, Role.FUND_COMMITTEE] if committee else [Role.RESIDENT]
    return issuer.headers(roles=roles, scope="330108001001", subject=subject)


@pytest.fixture
async def fund(create_fund: FundFactory, seat: SeatFactory) -> dict[str, Any]:
    """东信社区基金: 2 of its 3 members approve (whole committee above 2,000 yuan)."""
    created = await create_fund(quorum=2, large_payment_fen=200_000)
    for subject in ("acct-wang", "acct-li", "acct-zhao"):
        await seat(created, subject)
    return created


async def propose(
    client: httpx.AsyncClient, fund: dict[str, Any], headers: dict[str, str], **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/funds/{fund['id']}/projects", json={**STAIRWELL, **fields}, headers=headers
    )


async def test_the_corridor_story(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    staff: Headers,
    member: Headers,
    fund: dict[str, Any],
    donate: DonateFactory,
    outbox: OutboxReader,
) -> None:
    # A resident who sits on the committee proposes; she may not approve her own project.
    proposed = await propose(client, fund, resident(issuer, "acct-wang", committee=True))
    assert proposed.status_code == 201, proposed.text
    project = proposed.json()
    assert (project["status"], project["origin"], project["goal_fen"]) == (
        "proposed",
        "resident",
        115_000,
    )
    assert project["approvals_required"] == 2
    own = await client.post(f"/projects/{project['id']}/approvals", headers=member("acct-wang"))
    assert (own.status_code, own.json()["type"].split("/")[-1]) == (403, "self-approval")

    # Crowdfunding waits for the committee.
    early = await client.post(
        f"/projects/{project['id']}/donations",
        json={"amount_fen": 100, "donor_name": "张阿姨"},
        headers=resident(issuer, "r-early"),
    )
    assert (early.status_code, early.json()["type"].split("/")[-1]) == (409, "project-not-open")

    first = await client.post(f"/projects/{project['id']}/approvals", headers=member("acct-li"))
    assert (first.status_code, first.json()["status"]) == (200, "proposed")
    again = await client.post(f"/projects/{project['id']}/approvals", headers=member("acct-li"))
    assert (again.status_code, again.json()["type"].split("/")[-1]) == (409, "already-approved")
    second = await client.post(f"/projects/{project['id']}/approvals", headers=member("acct-zhao"))
    assert (second.status_code, second.json()["status"], second.json()["approvals"]) == (
        200,
        "approved",
        2,
    )

    # 30 households give: 10 of them 1 yuan, the rest 5,000 fen or more, some anonymously.
    path = f"/projects/{project['id']}/donations"
    amounts = [100] * 10 + [5_000] * 19 + [115_000 - 100 * 10 - 5_000 * 19]
    for i, amount in enumerate(amounts):
        await donate(path, amount, donor_name=f"{i}号住户", anonymous=i % 3 == 0, subject=f"r-{i}")
    page = (await client.get(f"/projects/{project['id']}")).json()
    assert (page["raised_fen"], page["donors"], page["spent_fen"]) == (115_000, 30, 0)
    assert page["funded_at"] is not None
    donors = (await client.get(path, params={"limit": 100})).json()["items"]
    assert len(donors) == 30
    assert sum(d["donor"] == "爱心人士" for d in donors) == 10
    assert not any("r-" in str(d) for d in donors)

    update = await client.post(
        f"/projects/{project['id']}/updates", json={"body": "清运杂物两车"}, headers=staff()
    )
    assert update.status_code == 201, update.text

    # The payment for the work, linked to the project, approved by two members, paid.
    filed = await client.post(
        f"/funds/{fund['id']}/payments",
        json={
            "amount_fen": 115_000,
            "payee": "楼道保洁服务队",
            "purpose": "3幢楼道清理粉刷",
            "project_id": project["id"],
        },
        headers=staff(),
    )
    assert filed.status_code == 201, filed.text
    payment_id = filed.json()["id"]
    early_end = await client.post(
        f"/projects/{project['id']}/completion", json={"report": "完工"}, headers=staff()
    )
    assert (early_end.status_code, early_end.json()["type"].split("/")[-1]) == (
        409,
        "project-payments-pending",
    )
    for subject in ("acct-li", "acct-wang"):
        answer = await client.post(f"/payments/{payment_id}/approvals", headers=member(subject))
        assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "paid"

    done = await client.post(
        f"/projects/{project['id']}/completion",
        json={"report": "楼道已清理粉刷完毕，支出1150元。"},
        headers=staff(),
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["raised_fen"], done.json()["spent_fen"]) == (
        "completed",
        115_000,
        115_000,
    )

    # The public pages: every yuan in and out, and the ledger agrees.
    spending = (await client.get(f"/projects/{project['id']}/payments")).json()["items"]
    assert [(p["amount_fen"], p["status"]) for p in spending] == [(115_000, "paid")]
    movements = (await client.get(f"/funds/{fund['id']}/ledger", params={"limit": 100})).json()
    assert sum(m["amount_fen"] for m in movements["items"]) == 0
    assert len(movements["items"]) == 31
    check = (await client.get(f"/funds/{fund['id']}/ledger/check")).json()
    assert (check["ok"], check["balance_fen"]) == (True, 0)
    verified = (await client.get(f"/funds/{fund['id']}/audit/verify")).json()
    assert verified["ok"] is True

    types = await outbox.types()
    for kind in ("proposed", "voted", "approved", "funded", "updated", "completed"):
        assert f"project.{kind}" in types, kind
    assert types.count("project.funded") == 1
    for event in await outbox.events():
        funds_event_adapter.validate_python(event.data)
        assert "acct-" not in str(event.data) and "r-1" not in str(event.data)


async def test_a_project_is_funded_once_when_donations_reach_it_at_the_same_moment(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    fund: dict[str, Any],
    donate: DonateFactory,
    outbox: OutboxReader,
) -> None:
    project = (await propose(client, fund, staff(), budget={"budget_fen": 1_000})).json()
    for subject in ("acct-li", "acct-zhao"):
        await client.post(f"/projects/{project['id']}/approvals", headers=member(subject))
    path = f"/projects/{project['id']}/donations"
    await asyncio.gather(*(donate(path, 100, subject=f"r-{i}") for i in range(15)))
    page = (await client.get(f"/projects/{project['id']}")).json()
    assert (page["raised_fen"], page["donors"]) == (1_500, 15)
    [funded] = await outbox.data("project.funded")
    assert funded["goal_fen"] == 1_000
    assert isinstance(funded["raised_fen"], int) and funded["raised_fen"] >= 1_000


async def test_refusals_change_nothing(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    staff: Headers,
    member: Headers,
    fund: dict[str, Any],
    create_fund: FundFactory,
    receive_income: Callable[..., Awaitable[dict[str, Any]]],
    outbox: OutboxReader,
) -> None:
    def problem(response: httpx.Response) -> tuple[int, str]:
        return response.status_code, response.json()["type"].split("/")[-1]

    # Who may propose: residents of the fund's division and its staff.
    enterprise = issuer.headers(roles=[Role.ENTERPRISE], scope="330108001001", subject="ent")
    assert (await propose(client, fund, enterprise)).status_code == 403
    elsewhere = issuer.headers(roles=[Role.RESIDENT], scope="330108002001", subject="far")
    assert problem(await propose(client, fund, elsewhere)) == (404, "fund-not-found")
    assert (await propose(client, fund, staff(), budget={"budget_fen": 0})).status_code == 422
    over = {"budget_fen": 100, "goal_fen": 200}
    assert (await propose(client, fund, staff(), budget=over)).status_code == 422
    nul = await propose(client, fund, staff(), title="楼道\x00清理")
    assert nul.status_code == 422
    assert (await propose(client, fund, staff(), summary="x" * 4001)).status_code == 422

    # A vote needs a budget; then the budget stays as members approved it.
    open_ended = (await propose(client, fund, resident(issuer, "r-1"), budget=None)).json()
    pid = open_ended["id"]
    assert open_ended["budget_fen"] is None
    assert problem(await client.post(f"/projects/{pid}/approvals", headers=member("acct-li"))) == (
        409,
        "project-budget-missing",
    )
    budget = {"budget_fen": 50_000}
    assert (
        await client.put(f"/projects/{pid}/budget", json=budget, headers=member("acct-li"))
    ).status_code == 403
    other_staff = staff("330108002001")
    assert problem(
        await client.put(f"/projects/{pid}/budget", json=budget, headers=other_staff)
    ) == (404, "project-not-found")
    assert (await client.put(f"/projects/{pid}/budget", json=budget, headers=staff())).json()[
        "approvals_required"
    ] == 2
    stranger = issuer.headers(roles=[Role.FUND_COMMITTEE], scope="330108001001", subject="x")
    assert problem(await client.post(f"/projects/{pid}/approvals", headers=stranger)) == (
        403,
        "not-a-committee-member",
    )
    assert (await client.post(f"/projects/{pid}/approvals", headers=member("acct-li"))).is_success
    assert problem(await client.put(f"/projects/{pid}/budget", json=budget, headers=staff())) == (
        409,
        "project-budget-fixed",
    )
    # One rejection ends it; nothing more is decided on it.
    rejected = await client.post(
        f"/projects/{pid}/rejection", json={"reason": "预算偏高"}, headers=member("acct-zhao")
    )
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    assert problem(
        await client.post(f"/projects/{pid}/approvals", headers=member("acct-wang"))
    ) == (
        409,
        "project-not-pending",
    )
    # Above the fund's limit the whole committee must approve: 3 of 3.
    big = (await propose(client, fund, staff(), budget={"budget_fen": 300_000})).json()
    assert big["approvals_required"] == 3

    # A payment for a project comes from the project's fund, while it is under way.
    other = await create_fund(division_code="330108002001", name="长河社区基金")
    await receive_income(other, 10_000)
    wrong_fund = await client.post(
        f"/funds/{other['id']}/payments",
        json={"amount_fen": 100, "payee": "x", "purpose": "y", "project_id": big["id"]},
        headers=staff("330108002001"),
    )
    assert problem(wrong_fund) == (409, "project-not-open")
    assert problem(await client.get("/projects/00000000-0000-0000-0000-000000000000")) == (
        404,
        "project-not-found",
    )
    assert (await client.get("/projects/not-a-uuid")).status_code == 422
    assert (
        await client.get(f"/funds/{fund['id']}/projects", params={"cursor": "forged"})
    ).status_code == 422
    listed = (await client.get(f"/funds/{fund['id']}/projects", params={"limit": 1})).json()
    assert len(listed["items"]) == 1 and listed["next_cursor"]
    rest = (
        await client.get(
            f"/funds/{fund['id']}/projects", params={"limit": 10, "cursor": listed["next_cursor"]}
        )
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert (await outbox.types()).count("project.proposed") == 2
