"""svc-grid's directives in the demo city, through the gateway: two directives of 滨江区 to its
communities, some signed and done, some signed but lagging, some not even signed (上级指令)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

XIXING = ("330108001001", "330108001002", "330108001003")
CHANGHE = ("330108002001", "330108002002", "330108002003")
FIRE_SAFETY = "开展高层住宅消防安全隐患排查"
COLD_WAVE = "做好寒潮天气独居老人走访"


class DirectivesSeedFailed(Exception):
    """A step of the directives' demo answered something else than expected."""


def _expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise DirectivesSeedFailed(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
            f"{answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def seed_demo_directives(
    client: httpx.Client,
    *,
    district: dict[str, str],
    dongguan: dict[str, str],
    changhe: dict[str, str],
    within_s: float = 60.0,
) -> str:
    """Once: two directives of the district, and 东冠's and 长河's answers to them."""
    listed = client.get("/api/grid/directives/issued", headers=district)
    if listed.status_code in (404, 405):
        return "skipped: the grid service has no directives yet"
    titles = {item["title"] for item in _expect(listed, 200)["items"]}
    if FIRE_SAFETY in titles:
        return "already there"
    now = datetime.now(UTC).replace(second=0, microsecond=0)

    def issue(body: dict[str, Any], attachment: tuple[str, bytes] | None = None) -> str:
        # The grid learns of communities from svc-residents' events, a moment after the registry.
        files = (
            [("attachments", (attachment[0], attachment[1], "application/pdf"))]
            if attachment
            else None
        )
        deadline = time.monotonic() + within_s
        while True:
            answer = client.post(
                "/api/grid/directives",
                data={"directive": json.dumps(body, ensure_ascii=False)},
                files=files,
                headers=district,
            )
            if answer.status_code != 422 or time.monotonic() > deadline:
                return str(_expect(answer, 201)["id"])
            time.sleep(0.5)

    fire = issue(
        {
            "title": FIRE_SAFETY,
            "body": "各社区于截止前完成辖区高层住宅楼道、地下车库的消防隐患排查，重点检查电动车"
            "违规充电和消防通道占用，整改情况附照片报区应急管理局。",
            "deadline": (now + timedelta(days=5)).isoformat(),
            "communities": [*XIXING, *CHANGHE],
        },
        attachment=("消防排查通知.pdf", _NOTICE_PDF),
    )
    cold = issue(
        {
            "title": COLD_WAVE,
            "body": "寒潮来临，请西兴街道各社区和长河社区在两天内完成独居、高龄老人上门走访，"
            "检查取暖设施安全，登记需要帮扶的老人。",
            "deadline": (now + timedelta(days=2)).isoformat(),
            "communities": [*XIXING, CHANGHE[0]],
            "remind_before_hours": 12,
        }
    )

    def answer(directive: str, who: dict[str, str], step: str, **form: str) -> None:
        _expect(
            client.post(f"/api/grid/directives/{directive}/{step}", data=form or None, headers=who),
            200,
        )

    # 东冠 signed and finished the fire check; 长河 signed it and is still at it; the other four
    # have not signed. For the cold wave only 东冠 has signed so far.
    answer(fire, dongguan, "acknowledge")
    answer(fire, dongguan, "complete", note="已排查12栋高层，整改电动车违规充电3处")
    answer(fire, changhe, "acknowledge")
    answer(cold, dongguan, "acknowledge")
    boards = [
        _expect(client.get(f"/api/grid/directives/{d}/status", headers=district), 200)
        for d in (fire, cold)
    ]
    return (
        "ok ("
        + "; ".join(
            f"{title}: {b['total']['targets']} communities, {b['total']['acknowledged']} signed, "
            f"{b['total']['completed']} completed"
            for title, b in zip((FIRE_SAFETY, COLD_WAVE), boards, strict=True)
        )
        + ")"
    )


# The notice as a small real PDF (the file store checks the content's type).
_NOTICE_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
