"""svc-grid's part of the demo city, through the gateway: incident categories, 东冠社区's grid
worker on grid 1 with today's duty, three weeks of incident history in every state (imported as a
former system's 历史工单, deterministic: some overdue, some escalated up to the city), a handful
of live incidents, a merged duplicate, and two devices, one of which has alarmed the on-duty
worker."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

DEMO_CATEGORIES: tuple[dict[str, Any], ...] = (
    {
        "code": "environment.garbage",
        "name": "垃圾堆放",
        "dispatch_sla_minutes": 60,
        "resolve_sla_hours": 24,
    },
    {
        "code": "safety.fire_hazard",
        "name": "消防隐患",
        "dispatch_sla_minutes": 15,
        "resolve_sla_hours": 4,
    },
    {
        "code": "facility.streetlight",
        "name": "路灯损坏",
        "dispatch_sla_minutes": 120,
        "resolve_sla_hours": 72,
    },
    {
        "code": "order.noise",
        "name": "噪音扰民",
        "dispatch_sla_minutes": 30,
        "resolve_sla_hours": 12,
    },
    {
        "code": "water.drowning_risk",
        "name": "溺水隐患",
        "dispatch_sla_minutes": 5,
        "resolve_sla_hours": 2,
        "owner_level": "community",
    },
)
COMMUNITY = "330108001001"
STREET = "330108001"


Step = tuple[str, float, dict[str, Any]]
"""A step of the history: the action, hours after the report, its fields."""

# What happened to the older incidents of the history (weighted: most were solved and verified).
_OLD_FATES = (
    *["verified"] * 6,
    *["closed"] * 2,
    "returned_then_verified",
    "escalated_then_verified",
    "resolved",
)
_TITLES = {
    "environment.garbage": ("垃圾桶满溢", "绿化带有建筑垃圾", "楼下堆放旧家具"),
    "safety.fire_hazard": ("楼道电瓶车充电", "消防通道被占", "灭火器过期"),
    "facility.streetlight": ("路灯不亮", "路灯闪烁", "灯杆倾斜"),
    "order.noise": ("夜间装修噪音", "广场舞音量过大", "商铺外放音乐"),
}


def demo_history(
    *, now: datetime, worker_subject: str, buildings: Sequence[str]
) -> list[dict[str, Any]]:
    """Three weeks of 东冠社区's incidents, the same every run (times counted back from `now`):
    older ones mostly verified or closed, some escalated and solved at the street, two left at
    the city (overdue); recent ones reported, dispatched, accepted, in progress, returned,
    resolved and escalated, one overdue that escalates itself at the first timer poll."""
    rng = random.Random(8)
    codes = list(_TITLES)
    handler = {"assignee_subject": worker_subject, "assignee_name": "李网格"}
    made: list[dict[str, Any]] = []

    def incident(
        code: str, hours_ago: float, steps: list[tuple[str, float, dict[str, Any]]]
    ) -> None:
        """`steps`: (action, hours after the report, extra fields)."""
        reported = now - timedelta(hours=hours_ago)
        made.append(
            {
                "category": code,
                "title": rng.choice(_TITLES[code]),
                "description": "历史工单（演示数据）",
                "building_id": rng.choice(buildings),
                "latitude": round(30.2084 + rng.uniform(-0.002, 0.002), 6),
                "longitude": round(120.2119 + rng.uniform(-0.002, 0.002), 6),
                "reported_at": reported.isoformat(),
                "steps": [
                    {
                        "action": action,
                        "at": (reported + timedelta(hours=after)).isoformat(),
                        **extra,
                    }
                    for action, after, extra in steps
                ],
            }
        )

    solved = [
        ("dispatch", 0.3, handler),
        ("accept", 0.5, {}),
        ("start", 1, {}),
        ("resolve", 5, {"note": "已处理"}),
    ]
    for number in range(54):
        code = codes[number % len(codes)]
        hours_ago = 21 * 24 - number * 8 - rng.uniform(0, 4)
        fate = rng.choice(_OLD_FATES)
        if fate == "verified":
            incident(code, hours_ago, [*solved, ("rate", 20, {"rating": rng.choice((4, 5, 5))})])
        elif fate == "closed":
            incident(code, hours_ago, [*solved, ("close", 48, {"note": "居民未评价，回访确认"})])
        elif fate == "resolved":
            incident(code, 40, solved)
        elif fate == "returned_then_verified":
            incident(code, hours_ago, [
                ("dispatch", 0.1, handler), ("return", 0.25, {"note": "不属本网格"}),
                *solved, ("rate", 20, {"rating": 4}),
            ])  # fmt: skip
        else:
            incident(code, hours_ago, [
                ("escalate", 0.2, {"note": "需街道协调"}),
                ("dispatch", 1, {"assignee_subject": "xixing-street-team", "assignee_name": "街道城管中队"}),
                ("accept", 1.5, {}), ("resolve", 6, {"note": "街道已协调处理"}), ("rate", 30, {"rating": 5}),
            ])  # fmt: skip
    climb: list[Step] = [
        ("escalate", 1, {"note": "社区无法处理"}),
        ("escalate", 5, {"note": "需区级协调"}),
        ("escalate", 30, {"note": "需市级部门"}),
    ]
    incident("safety.fire_hazard", 16 * 24, climb)  # at the city for two weeks: overdue
    incident("order.noise", 9 * 24, [*climb[:2], ("escalate", 20, {"note": "跨区问题"})])
    incident("facility.streetlight", 10 / 60, [])  # reported ten minutes ago
    incident("facility.streetlight", 40 / 60, [])
    incident("environment.garbage", 3, [])  # its hour to dispatch ran out: escalates at once
    incident("facility.streetlight", 24, [("dispatch", 0.5, handler)])
    incident("facility.streetlight", 20, [("dispatch", 0.5, handler)])
    incident("environment.garbage", 5, [("dispatch", 0.2, handler), ("accept", 0.5, {})])
    incident(
        "facility.streetlight",
        30,
        [("dispatch", 0.5, handler), ("accept", 1, {}), ("start", 2, {})],
    )
    incident(
        "order.noise", 4, [("dispatch", 0.2, handler), ("accept", 0.3, {}), ("start", 0.5, {})]
    )
    incident(
        "facility.streetlight",
        50 / 60,
        [("dispatch", 10 / 60, handler), ("return", 30 / 60, {"note": "需电力公司处理"})],
    )
    incident("facility.streetlight", 30 / 60, [("escalate", 10 / 60, {"note": "道路照明归街道"})])
    incident("environment.garbage", 26, [*solved])  # resolved, the reporter not yet asked
    return made


class GridSeedFailed(Exception):
    """A step of the grid's demo answered something else than expected."""


def _expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise GridSeedFailed(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
            f"{answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def _subject(auth: dict[str, str]) -> str:
    """The account id in a token the gateway just issued (read, not verified: it is ours)."""
    token = auth["Authorization"].removeprefix("Bearer ")
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def seed_demo_grid(
    client: httpx.Client,
    *,
    city: dict[str, str],
    worker: dict[str, str],
    grid_worker: dict[str, str],
    street: dict[str, str],
    within_s: float = 20.0,
) -> str:
    """Seed once (a second run finds the categories and stops). Returns what happened."""
    answer = client.post("/api/grid/incidents/categories", json=DEMO_CATEGORIES[0], headers=city)
    if answer.status_code in (404, 405):
        return "skipped: the grid service has no incidents yet"
    if answer.status_code == 409:
        return "already there"
    _expect(answer, 201)
    for category in DEMO_CATEGORIES[1:]:
        _expect(
            client.post("/api/grid/incidents/categories", json=category, headers=city), 201, 409
        )

    grids = _expect(
        client.get("/api/residents/grids", params={"division": COMMUNITY}, headers=worker), 200
    )
    grid_id = next(g["id"] for g in grids["items"] if g["number"] == 1)
    buildings = _expect(
        client.get("/api/residents/buildings", params={"division": COMMUNITY}, headers=worker), 200
    )
    on_grid = [b["id"] for b in buildings["items"] if b.get("grid_id") == grid_id]
    # The grid learns of grids and buildings from svc-residents' events, a moment after.
    deadline = time.monotonic() + within_s
    subject = _subject(grid_worker)
    while True:
        assigned = client.put(
            f"/api/grid/grids/{grid_id}/workers/{subject}", json={"name": "李网格"}, headers=worker
        )
        if assigned.status_code == 200:
            break
        if assigned.status_code != 404 or time.monotonic() > deadline:
            _expect(assigned, 200)
        time.sleep(0.3)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for shift in (
        {"grid_id": grid_id, "worker_subject": subject, "worker_name": "李网格"},
        {"community_code": COMMUNITY, "worker_subject": subject, "worker_name": "李网格"},
    ):
        body = {
            **shift,
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=23)).isoformat(),
        }
        _expect(client.post("/api/grid/duty", json=body, headers=worker), 201)

    resident = _expect(
        client.post("/auth/resident/login", json={"provider": "dev", "code": "dev:demo-reporter"}),
        200,
    )
    reporter = {"Authorization": f"Bearer {resident['access_token']}"}

    def report(category: str, title: str, building: str) -> str:
        body = {
            "category": category,
            "title": title,
            "description": title,
            "building_id": building,
            "latitude": 30.2084,
            "longitude": 120.2119,
        }
        deadline = time.monotonic() + within_s
        while True:
            answer = client.post("/api/grid/incidents", json=body, headers=reporter)
            if answer.status_code == 201 or time.monotonic() > deadline:
                return str(_expect(answer, 201)["id"])
            time.sleep(0.3)

    def step(incident: str, name: str, who: dict[str, str], **body: Any) -> None:
        _expect(client.post(f"/api/grid/incidents/{incident}/{name}", json=body, headers=who), 200)

    dispatch = {"assignee_subject": subject, "assignee_name": "李网格"}
    verified = report("environment.garbage", "1幢门口垃圾堆放", on_grid[0])
    step(verified, "dispatch", worker, **dispatch)
    step(verified, "accept", grid_worker)
    step(verified, "start", grid_worker)
    step(verified, "resolve", grid_worker, note="已清运")
    step(verified, "rating", reporter, rating=5, fixed=True, comment="处理及时")
    handling = report("facility.streetlight", "2幢旁路灯不亮", on_grid[-1])
    step(handling, "dispatch", worker, **dispatch)
    step(handling, "accept", grid_worker)
    escalated = report("order.noise", "夜间施工噪音", on_grid[0])
    step(escalated, "escalate", worker, note="施工许可归街道管理")
    report("safety.fire_hazard", "楼道堆放电瓶车", on_grid[-1])
    history = demo_history(now=now, worker_subject=subject, buildings=on_grid)
    imported = _expect(
        client.post("/api/grid/incidents/history", json={"incidents": history}, headers=worker),
        201,
    )
    # A neighbour reports the same pile again: the community merges it into the first report.
    first = report("environment.garbage", "1幢门口垃圾没人清", on_grid[0])
    duplicate = report("environment.garbage", "1幢门口又堆了垃圾", on_grid[0])
    step(duplicate, "merge", worker, into=first, note="同一处垃圾")
    devices = [
        _expect(
            client.post(
                "/api/grid/devices", json={"grid_id": grid_id, "name": name}, headers=worker
            ),
            201,
        )
        for name in ("江边1号水位摄像头", "江边2号电子围栏")
    ]
    # The fence sees a child enter the danger zone: one incident, the on-duty worker alarmed.
    fence = devices[1]
    _expect(
        client.post(
            "/api/grid/sensor-alerts",
            json={"kind": "water.drowning_risk", "note": "有儿童进入危险水域"},
            auth=(fence["id"], fence["secret"]),
        ),
        202,
    )
    stats = _expect(client.get("/api/grid/incidents/stats", headers=street), 200)
    secrets = ", ".join(f"{d['name']} {d['id']}:{d['secret']}" for d in devices)
    fates = Counter(_final_state(item) for item in history)
    return (
        f"ok ({len(DEMO_CATEGORIES)} categories, 1 grid worker on duty, "
        f"{len(imported['ids'])} incidents of three weeks' history "
        f"({', '.join(f'{n} {state}' for state, n in sorted(fates.items()))}), "
        f"{stats['total']['open']} open, {stats['total']['overdue']} overdue, "
        f"{stats['total']['escalated']} escalated; "
        f"devices (HTTP Basic id:secret, shown once): {secrets})"
    )


_STATE_AFTER = {
    "dispatch": "dispatched",
    "accept": "accepted",
    "start": "in_progress",
    "resolve": "resolved",
    "return": "returned",
    "close": "closed",
    "escalate": "escalated",
    "rate": "verified",
}


def _final_state(item: dict[str, Any]) -> str:
    return _STATE_AFTER[item["steps"][-1]["action"]] if item["steps"] else "reported"
