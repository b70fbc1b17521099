"""svc-funds' part of the demo city, through the gateway: 西兴街道's street fund, a youth fund and a
community fund per community, each with a committee of three residents (the street's two funds
share theirs); some 220 donations, most of them 1 yuan, confirmed through the development
provider's signed callback; the stairwell project of 东冠社区 crowdfunded to its 1,150 yuan,
approved, paid and completed; a transfer from the street fund, a canteen's income, and payment
requests waiting for the committees."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from functools import partial
from typing import Any

import httpx
import jwt

from linli.funds.config import DEV_PAYMENT_CALLBACK_KEY
from linli.funds.donations.providers import DevelopmentProvider

API = "/api/funds"
STREET = ("330108001", "西兴街道")
COMMUNITIES = (
    ("330108001001", "东冠社区"),
    ("330108001002", "固陵社区"),
    ("330108001003", "江汉社区"),
    ("330108002001", "长河社区"),
    ("330108002002", "江一社区"),
    ("330108002003", "山一社区"),
)
STAIRWELL_FEN = 115_000
# Donor accounts (dev resident logins) and the names they give: a small pool, as the gateway
# budgets requests per account and logins per address.
DONORS = 12
# Donations of the neighbours to the youth and community funds (the stairwell's come on top).
NEIGHBOURS = 160
NAMES = (
    "张阿姨",
    "李大爷",
    "王女士",
    "赵先生",
    "陈奶奶",
    "刘师傅",
    "周老师",
    "吴阿姨",
    "郑先生",
    "孙女士",
)
RULES = {"quorum": 2, "large_payment_fen": 500_000}
Auth = dict[str, str]


class FundsSeedFailed(Exception):
    """A step of the funds' demo answered something else than expected."""


def _expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise FundsSeedFailed(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
            f"{answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """A request through the gateway, waiting out its rate limit once: the seeds of every
    service share the budget of one address (logins, public pages) in the same minute."""
    answer = client.request(method, url, **kwargs)
    if answer.status_code == 429:
        time.sleep(min(float(answer.headers.get("Retry-After", "5")), 60.0))
        answer = client.request(method, url, **kwargs)
    return answer


def _resident(client: httpx.Client, openid: str) -> tuple[Auth, str]:
    """A dev resident login: its headers and its account id (read from the token the gateway
    just issued, not verified: it is ours)."""
    login = _expect(
        _send(
            client,
            "POST",
            "/auth/resident/login",
            json={"provider": "dev", "code": f"dev:{openid}"},
        ),
        200,
    )
    token = login["access_token"]
    subject = str(jwt.decode(token, options={"verify_signature": False})["sub"])
    return {"Authorization": f"Bearer {token}"}, subject


def _amount(i: int) -> int:
    """Three donations in five are 1 yuan; the others 10, 50 yuan."""
    return (100, 100, 100, 1_000, 5_000)[i % 5]


def seed_demo_funds(client: httpx.Client, *, city: Auth, worker: Auth) -> str:
    """Seed once (a second run finds the street fund and stops). Returns what happened."""
    provider = DevelopmentProvider(DEV_PAYMENT_CALLBACK_KEY)
    street_code, street_name = STREET
    first = _send(
        client,
        "POST",
        f"{API}/funds",
        json={
            "division_code": street_code,
            "kind": "street",
            "name": f"{street_name}社区发展基金",
            **RULES,
        },
        headers=city,
    )
    if first.status_code in (404, 405, 502, 503, 504):
        return f"skipped: the funds service answered {first.status_code}"
    if first.status_code == 409:
        return "already there"
    street = _expect(first, 201)

    def open_fund(code: str, kind: str, name: str) -> dict[str, Any]:
        body = {"division_code": code, "kind": kind, "name": name, **RULES}
        return dict(_expect(_send(client, "POST", f"{API}/funds", json=body, headers=city), 201))

    youth = open_fund(street_code, "special", f"{street_name}青少年成长基金")
    community = {code: open_fund(code, "community", f"{name}基金") for code, name in COMMUNITIES}
    funds = [street, youth, *community.values()]

    today = date.today()
    members: dict[str, list[Auth]] = {}
    for number, fund in enumerate(funds):
        members[fund["id"]] = []
        # The street's two funds share the street's representatives; each community has its own.
        board = max(number - 1, 0)
        for seat, represents in enumerate(("residents", "residents", "donors")):
            auth, subject = _resident(client, f"demo-committee-{board}-{seat}")
            body = {
                "subject": subject,
                "display_name": f"{NAMES[(number + seat) % len(NAMES)][0]}委员",
                "represents": represents,
                "term_start": (today - timedelta(days=30)).isoformat(),
                "term_end": (today + timedelta(days=730)).isoformat(),
            }
            _expect(
                _send(
                    client, "POST", f"{API}/funds/{fund['id']}/committee", json=body, headers=city
                ),
                201,
            )
            members[fund["id"]].append(auth)

    donors = [_resident(client, f"demo-donor-{n}")[0] for n in range(DONORS)]
    turn = itertools.count()

    def donate(
        path: str, amount_fen: int, *, name: str, kind: str = "resident", anonymous: bool = False
    ) -> None:
        donor = donors[next(turn) % DONORS]
        body = {
            "amount_fen": amount_fen,
            "donor_kind": kind,
            "donor_name": name,
            "anonymous": anonymous,
        }
        intent = _expect(
            _send(client, "POST", f"{API}/{path}/donations", json=body, headers=donor), 201
        )
        callback = provider.callback(provider_ref=intent["provider_ref"], amount_fen=amount_fen)
        # As the provider would, signed over the body. The donor's token rides along only so
        # that the gateway counts these against that account's budget, not all against one
        # address; the callback endpoint reads no token.
        headers = {
            **donor,
            "Content-Type": "application/json",
            "X-Linli-Signature": provider.sign(callback),
        }
        answer = _expect(
            _send(
                client, "POST", f"{API}/donations/callbacks/dev", content=callback, headers=headers
            ),
            200,
        )
        if answer["outcome"] != "posted":
            raise FundsSeedFailed(f"donation {intent['id']}: {answer}")

    def in_parallel(jobs: list[Callable[[], None]]) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for future in [pool.submit(job) for job in jobs]:
                future.result()

    # The big givers first, then the neighbours: 160 donations, most of them 1 yuan.
    donate(f"funds/{street['id']}", 5_000_000, name="西兴街道商会", kind="enterprise")
    donate(f"funds/{youth['id']}", 2_000_000, name="滨江区慈善总会", kind="organisation")
    targets = [youth, *community.values()]
    in_parallel(
        [
            partial(
                donate,
                f"funds/{targets[i % len(targets)]['id']}",
                _amount(i),
                name=NAMES[i % len(NAMES)],
                anonymous=i % 4 == 0,
            )
            for i in range(NEIGHBOURS)
        ]
    )

    # The stairwell of 东冠社区's building 3: put forward by the community worker for its
    # residents, approved by 2 of the 3 members.
    dongguan = community["330108001001"]
    project = _expect(
        _send(
            client,
            "POST",
            f"{API}/funds/{dongguan['id']}/projects",
            json={
                "title": "3幢楼道清理粉刷",
                "summary": "3幢楼道堆物多年、墙面发黑。居民众筹1150元，清运堆物并粉刷墙面。",
                "budget": {"budget_fen": STAIRWELL_FEN},
            },
            headers=worker,
        ),
        201,
    )
    for auth in members[dongguan["id"]][:2]:
        _expect(
            _send(client, "POST", f"{API}/projects/{project['id']}/approvals", headers=auth), 200
        )
    # 40 households give 1 yuan, 21 give 50, one gives the last 60: 1,150 yuan from 62.
    gifts = [100] * 40 + [5_000] * 21 + [STAIRWELL_FEN - 40 * 100 - 21 * 5_000]
    in_parallel(
        [
            partial(
                donate,
                f"projects/{project['id']}",
                fen,
                name=f"3幢{101 + i}室",
                anonymous=i % 3 == 0,
            )
            for i, fen in enumerate(gifts)
        ]
    )
    _expect(
        _send(
            client,
            "POST",
            f"{API}/projects/{project['id']}/updates",
            json={"body": "已清运楼道堆物两车，墙面粉刷进行中。"},
            headers=worker,
        ),
        201,
    )

    def request(fund: dict[str, Any], **body: Any) -> dict[str, Any]:
        return dict(
            _expect(
                _send(
                    client, "POST", f"{API}/funds/{fund['id']}/payments", json=body, headers=city
                ),
                201,
            )
        )

    def approve(payment: dict[str, Any], fund: dict[str, Any], count: int) -> dict[str, Any]:
        answer: dict[str, Any] = payment
        for auth in members[fund["id"]][:count]:
            answer = _expect(
                _send(client, "POST", f"{API}/payments/{payment['id']}/approvals", headers=auth),
                200,
            )
        return answer

    paid = approve(
        request(
            dongguan,
            amount_fen=STAIRWELL_FEN,
            payee="江边保洁服务队",
            purpose="3幢楼道清理粉刷",
            project_id=project["id"],
        ),
        dongguan,
        2,
    )
    if paid["status"] != "paid":
        raise FundsSeedFailed(f"the stairwell payment is {paid['status']}")
    completed = _expect(
        _send(
            client,
            "POST",
            f"{API}/projects/{project['id']}/completion",
            json={
                "report": "楼道已清理粉刷完毕。众筹1150元，支付保洁服务队1150元，收支明细见本页。"
            },
            headers=city,
        ),
        200,
    )

    # The street fund's grant to 东冠社区, a canteen's month, and requests still waiting.
    approve(
        request(
            street,
            kind="transfer",
            to_fund_id=dongguan["id"],
            amount_fen=1_000_000,
            purpose="社区微更新补助",
        ),
        street,
        2,
    )
    _expect(
        _send(
            client,
            "POST",
            f"{API}/funds/{dongguan['id']}/income",
            json={"amount_fen": 180_500, "payer": "东冠长者食堂", "memo": "11月经营利润"},
            headers=city,
        ),
        201,
    )
    approve(
        request(dongguan, amount_fen=80_000, payee="新华书店", purpose="儿童之家绘本采购"),
        dongguan,
        1,
    )
    request(community["330108001002"], amount_fen=4_500, payee="物业维修部", purpose="楼道灯更换")
    approve(
        request(youth, amount_fen=600_000, payee="西兴街道青少年活动中心", purpose="暑期托管班"),
        youth,
        1,
    )

    balances = {
        f["name"]: _expect(_send(client, "GET", f"{API}/funds/{f['id']}"), 200)["balance_fen"]
        for f in funds
    }
    for fund in funds:
        check = _expect(_send(client, "GET", f"{API}/funds/{fund['id']}/ledger/check"), 200)
        if not check["ok"]:
            raise FundsSeedFailed(f"{fund['name']}'s ledger does not check: {check}")
    total = sum(balances.values())
    return (
        f"ok ({len(funds)} funds with committees, {2 + NEIGHBOURS + len(gifts)} donations, "
        f"{total // 100} yuan held; stairwell project {completed['status']}: raised "
        f"{completed['raised_fen'] // 100} yuan, spent {completed['spent_fen'] // 100} yuan, "
        f"public page {API}/projects/{project['id']}; 3 payment requests waiting)"
    )
