"""svc-grid's campaigns in the demo city, through the gateway: a running 全员核酸检测 over 西兴街道,
its buildings' station slots filled, about half the households reached by their communities'
workers, a few not at home, and door-to-door visits (the elderly living alone, the
mobility-impaired) partly pending. Deterministic: the same households are reached every run."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

STREET = "330108001"
TITLE = "西兴街道全员核酸检测"


class CampaignSeedFailed(Exception):
    """The gateway answered something the seed did not expect."""


def _expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise CampaignSeedFailed(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
            f"{answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def _unreached(
    client: httpx.Client, campaign_id: str, auth: dict[str, str]
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = _expect(
            client.get(f"/api/grid/campaigns/{campaign_id}/unreached", params=params, headers=auth),
            200,
        )
        items.extend(page["items"])
        if not page["next_cursor"]:
            return items
        params["cursor"] = page["next_cursor"]


def seed_demo_campaign(
    client: httpx.Client,
    *,
    street: dict[str, str],
    workers: Mapping[str, dict[str, str]],
    within_s: float = 120.0,
) -> str:
    """Seed once (a second run finds the running campaign and stops). `workers`: a community
    worker's login per community of the street. Returns what happened."""
    listed = client.get(
        "/api/grid/campaigns", params={"division": STREET, "status": "running"}, headers=street
    )
    if listed.status_code in (404, 405):
        return "skipped: the grid service has no campaigns yet"
    if any(c["title"] == TITLE for c in _expect(listed, 200)["items"]):
        return "already there"
    expected = _expect(
        client.get("/api/residents/stats", params={"division": STREET}, headers=street), 200
    )["households"]
    campaign = _expect(
        client.post(
            "/api/grid/campaigns",
            json={
                "division_code": STREET,
                "title": TITLE,
                "goal": "每户每位居民完成一次核酸采样",
                "ends_at": (datetime.now(UTC) + timedelta(days=4)).isoformat(),
            },
            headers=street,
        ),
        201,
    )
    base = f"/api/grid/campaigns/{campaign['id']}"
    # The grid's roster follows the registry's events a moment behind; households it takes in
    # after the start join the running campaign, so wait until all of them have.
    deadline = time.monotonic() + within_s
    while True:
        coverage = _expect(client.get(f"{base}/coverage", headers=street), 200)
        if coverage["total"]["households_total"] >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)

    # Two station slots per building today, together roomy enough for all its households.
    today = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    for building in coverage["buildings"]:
        half = building["households_total"] // 2 + 2
        for n in range(2):
            starts = today + timedelta(hours=2 * n)
            _expect(
                client.post(
                    f"{base}/slots",
                    json={
                        "community_code": building["community_code"],
                        "building": building["building"],
                        "station": f"{building['building']}幢楼下核酸采样点",
                        "starts_at": starts.isoformat(),
                        "ends_at": (starts + timedelta(hours=1)).isoformat(),
                        "capacity": half,
                    },
                    headers=street,
                ),
                201,
            )
    for community in sorted(workers):
        _expect(
            client.post(f"{base}/schedule", json={"community_code": community}, headers=street),
            200,
        )

    absent = 0
    for _, worker in sorted(workers.items()):
        for n, household in enumerate(_unreached(client, campaign["id"], worker)):
            door = household["mode"] == "door_to_door"
            # Half the station households, a third of the door-to-door ones; a few not at home.
            outcome = (
                "reached"
                if (n % 3 == 0 if door else n % 2 == 0)
                else "not_at_home"
                if n % 7 == 1
                else None
            )
            if outcome is None:
                continue
            _expect(
                client.post(
                    f"{base}/contacts",
                    json={
                        "household_id": household["household_id"],
                        "outcome": outcome,
                        "place": "door" if door else "station",
                    },
                    headers=worker,
                ),
                201,
            )
            absent += outcome == "not_at_home"
    total = _expect(client.get(f"{base}/coverage", headers=street), 200)["total"]
    pending = len(
        [
            h
            for h in _unreached(client, campaign["id"], street)
            if h["reason"] == "door_to_door_pending"
        ]
    )
    return (
        f"ok ({total['households_reached']}/{total['households_total']} households, "
        f"{total['residents_reached']}/{total['residents_total']} residents reached; "
        f"{absent} not at home, {pending} door-to-door visits pending)"
    )
