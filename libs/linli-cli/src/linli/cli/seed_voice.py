"""The residents' voice of the demo city, through the gateway: 东冠社区's residents' reports
(我要反映) in several states, each linked to its grid incident and followed to closure, a dozen
议一议 proposals with comments, replies and supports (one adopted, with progress, one not
adopted with its answer), and announcements of the district, the street and the community with
read receipts.

The gateway does not yet link an approved registration to the resident's account (its
`community_code` stays empty, so the token has no community): the demo links its residents to
their communities straight in the gateway's database, as `linli users create` makes staff.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt

COMMUNITY = "330108001001"  # 东冠社区
NEIGHBOUR = "330108001002"  # 固陵社区, the same street
STREET = "330108001"  # 西兴街道
DISTRICT = "330108"  # 滨江区
RESIDENTS = 30


class VoiceSeedFailed(Exception):
    """A step of the voice's demo answered something else than expected."""


def _expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise VoiceSeedFailed(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
            f"{answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """The request, again after the gateway's `Retry-After` when it answers 429: the seeds before
    this one spend the same staff accounts' per-minute budget."""
    for _ in range(6):
        answer = client.request(method, url, **kwargs)
        if answer.status_code != 429:
            return answer
        time.sleep(min(float(answer.headers.get("Retry-After") or 5), 30.0))
    return answer


def _subject(auth: dict[str, str]) -> str:
    token = auth["Authorization"].removeprefix("Bearer ")
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


async def _link(gateway_database_url: str, links: dict[str, str]) -> None:
    """Give the demo residents' accounts their community (openid → community code)."""
    from sqlalchemy import update

    from linli.common.db import create_engine
    from linli.gateway.models.auth import ResidentAccount

    engine = create_engine(gateway_database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            for openid, community in links.items():
                await conn.execute(
                    update(ResidentAccount)
                    .where(ResidentAccount.provider == "dev", ResidentAccount.external_id == openid)
                    .values(community_code=community)
                )
    finally:
        await engine.dispose()


def _residents(
    client: httpx.Client, gateway_database_url: str, links: dict[str, str]
) -> list[dict[str, str]]:
    def login(openid: str) -> dict[str, str]:
        pair = _expect(
            _send(
                client,
                "POST",
                "/auth/resident/login",
                json={"provider": "dev", "code": f"dev:{openid}"},
            ),
            200,
        )
        return {"Authorization": f"Bearer {pair['access_token']}"}

    for openid in links:
        login(openid)  # the first login makes the account
    asyncio.run(_link(gateway_database_url, links))
    return [login(openid) for openid in links]


def _wait(probe: Callable[[], Any], *, within_s: float) -> Any:
    deadline = time.monotonic() + within_s
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _seeded(client: httpx.Client, hall: str, worker: dict[str, str]) -> str | None:
    """Why not to seed: the hall has no proposals yet, or the community has some already."""
    first = _send(
        client, "GET", f"{hall}/proposals", params={"division": COMMUNITY}, headers=worker
    )
    if first.status_code == 404:
        return "skipped: the service hall has no proposals yet"
    return "already there" if _expect(first, 200)["items"] else None


def demo_openids() -> dict[str, str]:
    """The demo residents' dev openids and their communities: 30 of 东冠社区, 3 of 固陵社区."""
    links = {f"demo-voice-{n:02d}": COMMUNITY for n in range(RESIDENTS)}
    return links | {f"demo-voice-guling-{n:02d}": NEIGHBOUR for n in range(3)}


def seed_demo_voice(
    client: httpx.Client,
    *,
    gateway_database_url: str,
    district: dict[str, str],
    street: dict[str, str],
    worker: dict[str, str],
    grid_worker: dict[str, str],
    within_s: float = 20.0,
) -> str:
    """Seed once through the gateway (a second run finds the community's announcement and stops)."""
    if done := _seeded(client, "/api/service-hall", worker):
        return done
    people = _residents(client, gateway_database_url, demo_openids())
    return seed_voice(
        client,
        residents=people[:RESIDENTS],
        guling=people[RESIDENTS:],
        district=district,
        street=street,
        worker=worker,
        grid_worker=grid_worker,
        within_s=within_s,
    )


def seed_voice(
    client: httpx.Client,
    *,
    residents: list[dict[str, str]],
    guling: list[dict[str, str]],
    district: dict[str, str],
    street: dict[str, str],
    worker: dict[str, str],
    grid_worker: dict[str, str],
    within_s: float,
    hall: str = "/api/service-hall",
    grid_api: str = "/api/grid",
) -> str:
    """The voice's demo for these people (`residents` of 东冠社区, `guling` of 固陵社区);
    `hall` and `grid_api` are the services' roots (the gateway's paths by default)."""
    if done := _seeded(client, hall, worker):
        return done

    # --- announcements of the district, the street and the community -----------------------
    def announce(who: dict[str, str], **body: Any) -> str:
        return str(
            _expect(
                _send(client, "POST", f"{hall}/announcements", json=body, headers=who),
                201,
            )["id"]
        )

    announced = [
        announce(
            district,
            target_code=DISTRICT,
            title="滨江区冬季用电安全提示",
            body="请勿在楼道、居室内为电动自行车充电，发现隐患请通过“我要反映”上报。",
            pinned=True,
        ),
        announce(
            street,
            target_code=STREET,
            title="西兴街道周六义诊活动",
            body="本周六上午九点在街道卫生服务中心举行免费义诊，欢迎居民参加。",
        ),
        announce(
            worker,
            title="东冠社区议事会议通知",
            body="本月议事会将讨论“东门增设充电棚”提案，欢迎居民旁听。",
        ),
    ]
    for reader in (*residents[:12], *guling):
        for announcement in announced:
            answer = _send(
                client,
                "POST",
                f"{hall}/announcements/{announcement}/read",
                headers=reader,
            )
            _expect(answer, 204, 404)  # 固陵's residents are not reached by 东冠's own

    # --- 议一议 -------------------------------------------------------------------------------
    def propose(who: dict[str, str], title: str, body: str, category: str) -> str:
        answer = _send(
            client,
            "POST",
            f"{hall}/proposals",
            json={"title": title, "body": body, "category": category},
            headers=who,
        )
        return str(_expect(answer, 201)["id"])

    topics = [
        (
            "东门增设非机动车充电棚",
            "电瓶车楼道充电有火灾隐患，建议在东门空地建集中充电棚。",
            "safety.charging",
        ),
        ("规范小区文明养犬", "建议划定遛狗区域并统一发放拾便袋。", "order.dogs"),
        ("地下车库增设充电桩", "新能源车越来越多，车库只有四个充电桩。", "facility.parking"),
        ("通学路安全护送", "上学高峰家长志愿者轮流护送孩子过马路。", "safety.school_route"),
        ("3幢电梯加装", "老人多，六层爬楼困难，建议申请加装电梯。", "facility.elevator"),
        ("垃圾分类督导员", "每个投放点早晚各安排一名督导员。", "environment.garbage"),
        ("增设健身器材", "中心花园的健身器材老旧，建议更新。", "facility.fitness"),
        ("邻里共享工具间", "闲置工具集中存放，居民登记借用。", "community.sharing"),
        ("夜间路灯延时", "西侧步道路灯十点就熄灭，建议延长到十二点。", "facility.streetlight"),
        ("老年食堂增加晚餐", "独居老人晚餐不便，建议食堂增设晚餐。", "service.canteen"),
        ("快递柜移位", "快递柜挡住消防通道，建议移到北门。", "safety.fire_lane"),
    ]
    proposals = [propose(residents[i % 6], *topic) for i, topic in enumerate(topics)]
    proposals.append(
        propose(
            street,
            "西兴街道垃圾清运时间调整",
            "建议将清运时间调整到早上七点前，减少扰民。",
            "environment.garbage",
        )
    )
    base = f"{hall}/proposals"
    for index, proposal in enumerate(proposals):
        # The first reaches the threshold (20) and is taken up; the rest gather a few each.
        backers = residents if index == 0 else residents[: (index * 3) % 11 + 1]
        for backer in backers:
            _expect(_send(client, "POST", f"{base}/{proposal}/supports", headers=backer), 200)
        comment = _expect(
            _send(
                client,
                "POST",
                f"{base}/{proposal}/comments",
                json={"body": "赞成，希望尽快落实。"},
                headers=residents[7],
            ),
            201,
        )
        _expect(
            _send(
                client,
                "POST",
                f"{base}/{proposal}/comments",
                json={"body": "同意，我愿意当志愿者。", "parent_id": comment["id"]},
                headers=residents[8],
            ),
            201,
        )
    advert = _expect(
        _send(
            client,
            "POST",
            f"{base}/{proposals[1]}/comments",
            json={"body": "代办各类证件，加微信"},
            headers=residents[9],
        ),
        201,
    )
    _expect(
        _send(
            client,
            "POST",
            f"{base}/{proposals[1]}/comments/{advert['id']}/hide",
            json={"reason": "广告"},
            headers=worker,
        ),
        204,
    )
    for move in ("adopt", "start"):
        _expect(
            _send(
                client, "POST", f"{base}/{proposals[0]}/moves", json={"move": move}, headers=worker
            ),
            200,
        )
    _expect(
        _send(
            client,
            "POST",
            f"{base}/{proposals[0]}/progress",
            json={"note": "充电棚选址已确定，施工单位进场。"},
            headers=worker,
        ),
        200,
    )
    _expect(
        _send(
            client,
            "POST",
            f"{base}/{proposals[10]}/moves",
            json={
                "move": "reject",
                "answer": "北门为消防登高面，快递柜不能移至该处，将在原处加装标线。",
            },
            headers=worker,
        ),
        200,
    )

    # --- 我要反映, followed through the grid ------------------------------------------------
    reports_summary = _seed_reports(
        client,
        residents=residents,
        worker=worker,
        grid_worker=grid_worker,
        within_s=within_s,
        hall=hall,
        grid_api=grid_api,
    )
    return f"ok (3 announcements, {len(proposals)} proposals, one adopted in progress; {reports_summary})"


def _seed_reports(
    client: httpx.Client,
    *,
    residents: list[dict[str, str]],
    worker: dict[str, str],
    grid_worker: dict[str, str],
    within_s: float,
    hall: str,
    grid_api: str,
) -> str:
    base = f"{hall}/reports"

    def report(who: dict[str, str], category: str, title: str, address: str) -> str:
        body = {"category": category, "title": title, "description": title, "address": address}
        return str(_expect(_send(client, "POST", base, json=body, headers=who), 201)["id"])

    filed = [
        report(residents[0], "environment.garbage", "5幢北侧垃圾满溢", "5幢北侧垃圾投放点"),
        report(residents[1], "facility.streetlight", "西侧步道路灯不亮", "西侧步道"),
        report(residents[2], "safety.fire_hazard", "2单元楼道堆放纸箱", "2幢2单元楼道"),
        report(residents[3], "order.noise", "夜间广场舞音响过大", "中心花园"),
    ]

    def incident_of(report_id: str, who: dict[str, str]) -> str | None:
        read = _expect(_send(client, "GET", f"{base}/{report_id}", headers=who), 200)
        return str(read["incident_id"]) if read["incident_id"] else None

    def taken(report_id: str, who: dict[str, str]) -> Callable[[], str | None]:
        return lambda: incident_of(report_id, who)

    incidents = [
        _wait(taken(r, who), within_s=within_s) for r, who in zip(filed, residents, strict=False)
    ]
    if not all(incidents):
        return "reports filed; the grid has not taken them up yet (is svc-grid running?)"
    grid = f"{grid_api}/incidents"
    dispatch = {"assignee_subject": _subject(grid_worker), "assignee_name": "李网格"}

    def steps(incident: str, *names: str) -> None:
        _expect(
            _send(client, "POST", f"{grid}/{incident}/dispatch", json=dispatch, headers=worker), 200
        )
        for name in names:
            body = {"note": "已处理"} if name == "resolve" else {}
            _expect(
                _send(client, "POST", f"{grid}/{incident}/{name}", json=body, headers=grid_worker),
                200,
            )

    steps(incidents[0], "accept", "start", "resolve")
    steps(incidents[1], "accept", "start", "resolve")
    steps(incidents[2], "accept")

    def state(report_id: str, who: dict[str, str], wanted: str) -> bool:
        return bool(
            _expect(_send(client, "GET", f"{base}/{report_id}", headers=who), 200)["status"]
            == wanted
        )

    _wait(lambda: state(filed[0], residents[0], "resolved"), within_s=within_s)
    _expect(
        _send(
            client,
            "POST",
            f"{base}/{filed[0]}/rating",
            json={"rating": 5, "fixed": True, "comment": "清运及时"},
            headers=residents[0],
        ),
        200,
    )
    closed = _wait(lambda: state(filed[0], residents[0], "closed"), within_s=within_s)
    return (
        f"4 reports linked to grid incidents: one {'closed' if closed else 'rated'}, one resolved "
        "awaiting its rating, one in a grid worker's hands, one waiting for dispatch"
    )
