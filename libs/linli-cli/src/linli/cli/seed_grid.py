"""svc-grid's part of the demo city, through the gateway: incident categories, 东冠社区's grid
worker on grid 1 with today's duty, a handful of incidents in several states (one verified, one
in a handler's hands, one escalated to the street, one waiting for dispatch), and two devices,
one of which has alarmed the on-duty worker."""

from __future__ import annotations

import time
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
    return (
        f"ok ({len(DEMO_CATEGORIES)} categories, 1 grid worker on duty, "
        f"{stats['total']['open']} open incidents, {stats['total']['escalated']} escalated; "
        f"devices (HTTP Basic id:secret, shown once): {secrets})"
    )
