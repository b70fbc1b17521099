"""svc-jobs-coop's part of the demo city, through the gateway: 东冠社区's cooperative with two
partner enterprises (beading and net-making) under agreements, a micro-factory, 60 pool members
with skills and weekly windows, a completed order whose month is settled in statements, two
orders in progress (claimed, matched, delivered, inspected), a course and a job fair.

The gateway limits each login to a budget of calls a minute (120 by default): the work is done
by the accounts that would do it (the street admin enrols the surveyed people, the community
worker hands out the work, the micro-factory's desk worker records pick-ups and deliveries, each
enterprise inspects its own orders), and a 429 is waited out as its `Retry-After` says."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from linli.cli.seed_grid import _subject

API = "/api/jobs-coop"
COMMUNITY = "330108001001"
MEMBERS = 60
# Common surnames and given names, combined by index: the same 60 people on every run.
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ("丽", "芳", "娟", "敏", "静", "秀英", "桂兰", "玉梅", "海燕", "春梅", "建国", "志强")
SCHOOL_DAYS = [{"weekday": d, "start_minute": 540, "end_minute": 900} for d in range(1, 6)]
EVENINGS = [{"weekday": d, "start_minute": 1140, "end_minute": 1320} for d in range(1, 8)]
WEEKENDS = [{"weekday": d, "start_minute": 480, "end_minute": 1080} for d in (6, 7)]


class CoopSeedFailed(Exception):
    """A step of the cooperative's demo answered something else than expected."""


def _expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise CoopSeedFailed(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
            f"{answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """The call, again after the gateway's `Retry-After` while it answers 429 (a minute at most)."""
    deadline = time.monotonic() + 60
    while True:
        answer = client.request(method, url, **kwargs)
        if answer.status_code != 429 or time.monotonic() > deadline:
            return answer
        time.sleep(min(float(answer.headers.get("Retry-After", "1")), 5.0))


def demo_member(n: int) -> dict[str, Any]:
    """Pool member `n` (0 … 59): two in three bead, one in three nets, every fifth does both;
    most work while the children are at school, some in the evening or at weekends."""
    skills = []
    if n % 3 != 2 or n % 5 == 0:
        skills.append({"skill": "beading", "level": 1 + n % 3})
    if n % 3 == 2 or n % 5 == 0:
        skills.append({"skill": "netting", "level": 1 + n % 2})
    windows = SCHOOL_DAYS if n % 4 != 3 else (EVENINGS if n % 8 == 3 else WEEKENDS)
    return {
        "community_code": COMMUNITY,
        "name": _SURNAMES[n % len(_SURNAMES)] + _GIVEN[n % len(_GIVEN)],
        "phone": f"1365710{n:04d}",
        "address": f"{1 + n % 6}幢{1 + n % 2}单元{101 + n % 12 * 100 + n % 3}",
        "work_mode": ("home", "home", "either", "on_site")[n % 4],
        "consent": True,
        "share_phone": n % 3 == 0,
        "share_address": n % 6 == 0,
        "skills": skills,
        "availability": windows,
    }


def _next_monday_10(today: date) -> str:
    """The next school-day morning, when most of the pool is available (Asia/Shanghai)."""
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime(monday.year, monday.month, monday.day, 10, 0).isoformat() + "+08:00"


def seed_demo_coop(
    client: httpx.Client,
    *,
    worker: dict[str, str],
    street: dict[str, str],
    desk: dict[str, str],
    beading: dict[str, str],
    netting: dict[str, str],
    today: date,
    api: str = API,
) -> str:
    """Seed once (a second run finds the enterprises and stops). Returns what happened.

    `worker`: 东冠社区's community worker; `street`: the street admin; `desk`: the community
    worker at the micro-factory, who records pick-ups and deliveries; `beading`, `netting`: the two enterprises' logins."""
    listed = _send(
        client, "GET", f"{api}/enterprises", params={"division": COMMUNITY}, headers=worker
    )
    if listed.status_code in (404, 405):
        return "skipped: the cooperative has no enterprises endpoint"
    if _expect(listed, 200)["items"]:
        return "already there"

    def post(path: str, body: dict[str, Any] | None, who: dict[str, str], status: int = 201) -> Any:
        return _expect(_send(client, "POST", f"{api}{path}", json=body, headers=who), status)

    def put(path: str, body: dict[str, Any] | None, who: dict[str, str]) -> Any:
        return _expect(_send(client, "PUT", f"{api}{path}", json=body, headers=who), 200)

    firms: dict[str, Any] = {}
    for key, login, name, industry in (
        ("beading", beading, "滨江晶彩饰品有限公司", "饰品串珠"),
        ("netting", netting, "钱塘渔网编织厂", "渔网编织"),
    ):
        firm = post(
            "/enterprises",
            {
                "community_code": COMMUNITY,
                "name": name,
                "industry": industry,
                "contact_name": "陈经理",
            },
            worker,
        )
        _expect(
            client.put(
                f"{api}/enterprises/{firm['id']}/accounts/{_subject(login)}", headers=worker
            ),
            200,
        )
        post(
            f"/enterprises/{firm['id']}/agreements",
            {
                "number": f"DG-{today.year}-{len(firms) + 1:02d}",
                "starts_on": date(today.year, 1, 1).isoformat(),
                "ends_on": date(today.year + 1, 12, 31).isoformat(),
                "terms": "计件加工，质检合格计酬，按月结算；不合格品返工",
            },
            worker,
        )
        firms[key] = firm
    factory = post(
        "/micro-factories",
        {
            "community_code": COMMUNITY,
            "name": "东冠社区共富微工厂",
            "site": "东冠社区邻里中心二楼",
            "capacity": 30,
            "open_weekdays": "123456",
            "opens_at": "08:30:00",
            "closes_at": "17:00:00",
        },
        worker,
    )
    put(
        f"/micro-factories/{factory['id']}/managers/{_subject(desk)}",
        {"name": "微工厂前台"},
        worker,
    )
    members = [post("/members", demo_member(n), street) for n in range(MEMBERS)]
    beaders = [
        m for m in members if any(s["skill"] == "beading" and s["level"] >= 2 for s in m["skills"])
    ]

    def order(login: dict[str, str], batch: int, **body: Any) -> Any:
        created = post(
            "/work-orders",
            {
                "deadline": (today + timedelta(days=21)).isoformat(),
                "pickup_site": "东冠社区邻里中心二楼",
                "factory_id": factory["id"],
                **body,
            },
            login,
        )
        return post(f"/work-orders/{created['id']}/split", {"batch_size": batch}, worker, 200)

    def work(
        task: dict[str, Any], firm: dict[str, str], delivered: int, rejected: int, rework: bool
    ) -> None:
        post(f"/tasks/{task['id']}/pickup", None, desk, 200)
        delivery = post(f"/tasks/{task['id']}/deliveries", {"quantity": delivered}, desk)
        post(
            f"/deliveries/{delivery['id']}/inspection",
            {
                "accepted": delivered - rejected,
                "rejected": rejected,
                "reasons": ["扣头松动"] if rejected else [],
            },
            firm,
        )
        if rework and rejected:
            redo = post(f"/tasks/{task['id']}/deliveries", {"quantity": rejected}, desk)
            post(f"/deliveries/{redo['id']}/inspection", {"accepted": rejected}, firm)

    # A finished order, settled: eight beaders, 100 pieces each, some re-worked.
    done = order(
        beading,
        100,
        item="串珠手链（试单）",
        quantity=800,
        piece_rate_fen=40,
        required_skill="beading",
        min_level=2,
        quality_standard="珠子无松动，扣头牢固，长度 18±0.5 cm",
    )
    for n, member in enumerate(beaders[:8]):
        task = post(f"/work-orders/{done['id']}/claims", {"member_id": member["id"]}, worker)
        work(task, beading, 100, rejected=n % 4, rework=True)
    run = post("/statement-runs", {"community_code": COMMUNITY, "month": f"{today:%Y-%m}"}, worker)

    # In progress: 6,000 beaded bracelets, claimed and matched batches, some delivered.
    bracelets = order(
        beading,
        200,
        item="串珠手链（蓝色款）",
        quantity=6000,
        piece_rate_fen=35,
        required_skill="beading",
        min_level=2,
        quality_standard="珠子无松动，扣头牢固，长度 18±0.5 cm",
    )
    monday = _next_monday_10(today)
    bracelet_tasks = [
        post(f"/work-orders/{bracelets['id']}/claims", {"member_id": m["id"]}, worker)
        for m in beaders[8:14]
    ]
    bracelet_tasks += [
        post(f"/work-orders/{bracelets['id']}/matches", {"at": monday}, worker) for _ in range(6)
    ]
    for n, task in enumerate(bracelet_tasks[:5]):
        work(task, beading, 150, rejected=n, rework=False)
    nets = order(
        netting,
        100,
        item="拖网手工补网",
        quantity=1200,
        piece_rate_fen=120,
        required_skill="netting",
        work_mode="either",
        quality_standard="网眼均匀，结头紧实",
    )
    net_tasks = [
        post(f"/work-orders/{nets['id']}/matches", {"at": monday}, worker) for _ in range(4)
    ]
    for task in net_tasks[:2]:
        work(task, netting, 60, rejected=2, rework=False)

    course = post(
        "/courses",
        {"community_code": COMMUNITY, "title": "渔网编织入门", "skill": "netting", "level": 1},
        worker,
    )
    starts = datetime(today.year, today.month, today.day, 14, 0) + timedelta(days=7)
    post(
        f"/courses/{course['id']}/sessions",
        {
            "starts_at": starts.isoformat() + "+08:00",
            "ends_at": (starts + timedelta(hours=2)).isoformat() + "+08:00",
            "place": "东冠社区共富微工厂",
            "capacity": 20,
        },
        worker,
    )
    fair = post(
        "/job-fairs",
        {
            "community_code": COMMUNITY,
            "title": "东冠社区灵活就业招聘会",
            "held_on": (today + timedelta(days=14)).isoformat(),
            "place": "东冠社区文化广场",
        },
        worker,
    )
    for firm, positions in ((firms["beading"], "串珠工"), (firms["netting"], "补网工")):
        post(
            f"/job-fairs/{fair['id']}/enterprises",
            {"enterprise_id": firm["id"], "openings": 20, "positions": positions},
            worker,
            200,
        )
    stats = _expect(
        _send(client, "GET", f"{api}/stats", params={"division": COMMUNITY}, headers=worker), 200
    )
    return (
        f"ok (2 enterprises, 1 micro-factory, {len(members)} pool members, "
        f"{stats['members_in_work']} in work, {stats['orders_open']} orders open; "
        f"{today:%Y-%m} settled: {len(run['statements'])} statements, "
        f"{run['total_fen'] / 100:.2f} yuan)"
    )
