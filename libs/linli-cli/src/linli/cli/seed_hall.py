"""svc-service-hall's part of the demo city, through the gateway: 西兴街道's hall serving its three
communities, a catalogue of street and city items, three 一件事 bundles, applications in every
state (two overdue, entered as paper applications received weeks ago), a bundle part-way through,
and home visits for elderly residents, one on the grid worker's round."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

STREET = "330108001"
COMMUNITIES = ("330108001001", "330108001002", "330108001003")
CITY = "3301"
HALL_NAME = "西兴街道便民服务中心"
API = "/api/service-hall"
# The smallest file every material accepts: a one-page PDF.
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
DOCS = ["application/pdf", "image/jpeg", "image/png"]
# How long the seed waits out the gateway's per-account rate limit, in all.
RATE_LIMIT_WAIT_S = 90.0
# Residents of 东冠社区 the demo files for: eight single items and one bundle.
APPLICANTS = 9


def _m(code: str, name: str, required: bool = True) -> dict[str, Any]:
    return {"code": code, "name": name, "required": required, "types": DOCS}


ID_CARD = _m("id_card", "居民身份证")
HUKOU = _m("hukou_book", "户口簿")
PHOTO = _m("photo", "近期免冠照片")
BIRTH = _m("birth_cert", "出生医学证明")
MARRIAGE = _m("marriage_cert", "结婚证")
HOUSING = _m("housing_proof", "房产证或租赁合同")
RETIRE = _m("retirement_form", "退休审批表")
BANK = _m("bank_card", "本人银行卡", required=False)
INCOME = _m("income_proof", "家庭收入证明")
DISABILITY = _m("disability_cert", "残疾证")

ALL = ["online", "counter", "appointment", "home_visit", "grid_worker"]
COUNTER = ["counter", "appointment"]

# (code, owner, name, materials, channels, working days, fee in fen)
ITEMS: tuple[tuple[str, str, str, list[dict[str, Any]], list[str], int, int], ...] = (
    ("hukou.birth", STREET, "出生登记（新生儿落户）", [ID_CARD, HUKOU, BIRTH, MARRIAGE], ALL, 5, 0),
    ("hukou.move_in", STREET, "户口迁入", [ID_CARD, HUKOU, HOUSING], COUNTER, 10, 0),
    ("residence.permit", STREET, "居住证办理", [ID_CARD, PHOTO, HOUSING], ALL, 7, 0),
    ("medical.newborn", CITY, "新生儿城乡居民医保参保登记", [ID_CARD, BIRTH], ALL, 3, 0),
    ("card.social_security", CITY, "社会保障卡申领", [ID_CARD, PHOTO], ALL, 10, 0),
    ("retire.approval", CITY, "企业职工退休审批", [ID_CARD, RETIRE], COUNTER, 15, 0),
    ("pension.claim", CITY, "基本养老金申领", [ID_CARD, BANK], ALL, 10, 0),
    ("elder.card", STREET, "老年人优待证办理", [ID_CARD, PHOTO], ALL, 3, 0),
    ("elder.allowance", STREET, "高龄津贴申领", [ID_CARD, BANK], ALL, 10, 0),
    ("assist.minimum", STREET, "最低生活保障申请", [ID_CARD, HUKOU, INCOME], COUNTER, 20, 0),
    ("disability.subsidy", STREET, "困难残疾人生活补贴", [ID_CARD, DISABILITY], ALL, 15, 0),
    ("family.planning", STREET, "生育登记服务", [ID_CARD, MARRIAGE], ALL, 1, 0),
    ("proof.residence", STREET, "居住证明开具", [ID_CARD, HOUSING], ALL, 2, 0),
    ("military.preferential", STREET, "优抚对象抚恤补助", [ID_CARD, HUKOU], COUNTER, 20, 0),
    ("id_card.replace", CITY, "居民身份证补领", [HUKOU, PHOTO], COUNTER, 20, 2000),
    ("elder.home_care", STREET, "居家养老服务补贴申请", [ID_CARD, INCOME], ALL, 10, 0),
)
BUNDLES = (
    (
        "life.newborn",
        "新生儿出生一件事",
        ["hukou.birth", "medical.newborn", "card.social_security"],
    ),
    ("life.move_in", "新居民入住一件事", ["hukou.move_in", "residence.permit", "proof.residence"]),
    ("life.retirement", "退休一件事", ["retire.approval", "pension.claim", "elder.card"]),
)
# Counters and hours of the hall: Monday to Friday, and Saturday mornings.
COUNTERS = [
    {"number": 1, "name": "综合受理窗口"},
    {"number": 2, "name": "社保医保窗口"},
    {"number": 3, "name": "户籍窗口"},
    {"number": 4, "name": "民政救助窗口"},
]
HOURS = [{"weekday": d, "opens": "08:30", "closes": "17:00"} for d in range(1, 6)] + [
    {"weekday": 6, "opens": "09:00", "closes": "12:00"}
]


class HallSeedFailed(Exception):
    """A step of the hall's demo answered something else than expected."""


def _expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise HallSeedFailed(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
            f"{answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def _call(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """The request, sent again after the gateway's `Retry-After` when the account is over its
    rate limit (the demo's other parts log in as the same staff)."""
    deadline = time.monotonic() + RATE_LIMIT_WAIT_S
    while True:
        answer = client.request(method, url, **kwargs)
        if answer.status_code != 429 or time.monotonic() > deadline:
            return answer
        time.sleep(min(float(answer.json().get("retry_after", 1)), 5.0))


def _files(codes: list[str]) -> dict[str, Any]:
    return {
        "data": {"material_codes": codes},
        "files": [("material_files", (f"{code}.pdf", PDF, "application/pdf")) for code in codes],
    }


def seed_demo_hall(
    client: httpx.Client,
    *,
    city: dict[str, str],
    street: dict[str, str],
    worker: dict[str, str],
    grid_worker: dict[str, str],
    grid_worker_subject: str,
    within_s: float = 30.0,
) -> str:
    """Seed once (a second run finds the hall and stops). Returns what happened."""
    existing = _expect(
        _call(client, "GET", f"{API}/service-points", params={"division": STREET}, headers=street),
        200,
    )
    if any(point["name"] == HALL_NAME for point in existing):
        return "already there"
    hall = _expect(
        _call(
            client,
            "POST",
            f"{API}/service-points",
            json={
                "division_code": STREET,
                "name": HALL_NAME,
                "address": "滨江区西兴街道江汉路1515号",
                "communities": list(COMMUNITIES),
                "opening_hours": HOURS,
                "counters": COUNTERS,
            },
            headers=street,
        ),
        201,
    )
    items: dict[str, dict[str, Any]] = {}
    for code, owner, name, materials, channels, days, fee in ITEMS:
        items[code] = _expect(
            _call(
                client,
                "POST",
                f"{API}/catalogue/items",
                json={
                    "code": code,
                    "name": name,
                    "owning_division": owner,
                    "divisions": [STREET],
                    "materials": materials,
                    "channels": channels,
                    "promised_working_days": days,
                    "fee_fen": fee,
                },
                headers=city if owner == CITY else street,
            ),
            201,
        )
    bundles = {}
    for code, name, members in BUNDLES:
        bundles[code] = _expect(
            _call(
                client,
                "POST",
                f"{API}/bundles",
                json={
                    "code": code,
                    "name": name,
                    "owning_division": STREET,
                    "item_ids": [items[m]["id"] for m in members],
                },
                headers=street,
            ),
            201,
        )
    residents = _residents(client, worker)
    elders = _residents(client, worker, tag="elderly")
    if len(residents) < APPLICANTS:
        return f"partly: hall, {len(items)} items, {len(bundles)} bundles; too few residents"
    deadline = time.monotonic() + within_s
    for resident in [*residents[:APPLICANTS], *elders[:2]]:
        _wait_known(client, worker, items["hukou.move_in"], resident, deadline=deadline)
    counts = _applications(client, worker, items, bundles, residents, hall=hall["id"])
    visits = _home_visits(client, worker, items, elders, grid_worker, grid_worker_subject)
    return (
        f"ok (1 hall, {len(items)} items, {len(bundles)} bundles, "
        f"{sum(counts.values())} applications: "
        + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        + f"; {visits} home visits)"
    )


def _residents(client: httpx.Client, auth: dict[str, str], *, tag: str | None = None) -> list[str]:
    params: dict[str, Any] = {"division": COMMUNITIES[0], "limit": 40}
    if tag:
        params["tag"] = tag
    listed = _expect(
        _call(client, "GET", "/api/residents/residents", params=params, headers=auth), 200
    )
    return sorted(r["id"] for r in listed["items"])


def _file(
    client: httpx.Client,
    auth: dict[str, str],
    *,
    resident: str,
    codes: list[str],
    item: dict[str, Any] | None = None,
    bundle: dict[str, Any] | None = None,
    received_days_ago: int | None = None,
    hall: str,
) -> dict[str, Any]:
    parts = _files(codes)
    parts["data"].update({"channel": "counter", "resident_id": resident, "service_point_id": hall})
    if item is not None:
        parts["data"]["item_id"] = item["id"]
    if bundle is not None:
        parts["data"]["bundle_id"] = bundle["id"]
    if received_days_ago is not None:
        received = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
        parts["data"]["received_on"] = (received - timedelta(days=received_days_ago)).isoformat()
    filing: dict[str, Any] = _expect(
        _call(client, "POST", f"{API}/applications", headers=auth, **parts), 201
    )
    return filing


def _wait_known(
    client: httpx.Client,
    auth: dict[str, str],
    counter_item: dict[str, Any],
    resident: str,
    *,
    deadline: float,
) -> None:
    """The hall learns residents from the registry's events: wait until it knows this one. The
    probe asks a home visit for an item not done at home, so it never creates anything: refused
    as an unknown resident until the hall knows them, then as not offered."""
    while True:
        probe = _call(
            client,
            "POST",
            f"{API}/home-visits",
            json={"item_id": counter_item["id"], "resident_id": resident},
            headers=auth,
        )
        if probe.status_code == 422 and "not-offered" in probe.text:
            return
        if probe.status_code != 422 or time.monotonic() > deadline:
            raise HallSeedFailed(
                "the hall did not learn the registry's residents in time "
                f"({probe.status_code} {probe.text[:200]})"
            )
        time.sleep(0.5)


def _step(client: httpx.Client, auth: dict[str, str], application: str, *actions: str) -> None:
    for action in actions:
        body: dict[str, Any] = {"note": "已受理"} if action == "accept" else {}
        if action == "reject":
            body = {"note": "不符合申请条件：户籍不在本辖区"}
        if action == "return":
            body = {"materials": ["photo"], "note": "照片需为近期白底免冠照"}
        _expect(
            _call(
                client,
                "POST",
                f"{API}/applications/{application}/{action}",
                json=body,
                headers=auth,
            ),
            200,
        )


def _applications(
    client: httpx.Client,
    auth: dict[str, str],
    items: dict[str, dict[str, Any]],
    bundles: dict[str, dict[str, Any]],
    residents: list[str],
    *,
    hall: str,
) -> dict[str, int]:
    """One application in each state, two overdue, and a newborn bundle part-way through."""
    plan: list[tuple[str, list[str], tuple[str, ...], int | None]] = [
        ("elder.card", ["id_card", "photo"], (), None),
        ("residence.permit", ["id_card", "photo", "housing_proof"], ("accept",), None),
        ("proof.residence", ["id_card", "housing_proof"], ("accept", "start"), None),
        ("family.planning", ["id_card", "marriage_cert"], ("accept", "start", "complete"), None),
        ("assist.minimum", ["id_card", "hukou_book", "income_proof"], ("reject",), None),
        ("card.social_security", ["id_card", "photo"], ("accept", "return"), None),
        # Paper applications received weeks ago and still open: overdue, escalated by the timer.
        ("elder.allowance", ["id_card"], ("accept",), 28),
        ("disability.subsidy", ["id_card", "disability_cert"], ("accept", "start"), 40),
    ]
    counts: dict[str, int] = {}
    for index, (code, materials, actions, days_ago) in enumerate(plan):
        filing = _file(
            client,
            auth,
            resident=residents[index],
            codes=materials,
            item=items[code],
            received_days_ago=days_ago,
            hall=hall,
        )
        application = filing["applications"][0]["id"]
        _step(client, auth, application, *actions)
        state = "overdue" if days_ago else (actions[-1] if actions else "submit")
        counts[state] = counts.get(state, 0) + 1
    newborn = _file(
        client,
        auth,
        resident=residents[len(plan)],
        codes=["id_card", "hukou_book", "birth_cert", "marriage_cert", "photo"],
        bundle=bundles["life.newborn"],
        hall=hall,
    )
    birth, insurance, card = (a["id"] for a in newborn["applications"])
    _step(client, auth, birth, "accept", "start", "complete")
    _step(client, auth, insurance, "accept", "start")
    _step(client, auth, card, "accept", "return")
    counts["in a bundle"] = 3
    return counts


def _home_visits(
    client: httpx.Client,
    auth: dict[str, str],
    items: dict[str, dict[str, Any]],
    elders: list[str],
    grid_worker: dict[str, str],
    grid_worker_subject: str,
) -> int:
    """Two elderly residents asked for a visit: one waiting for a worker, one on the round."""
    made = 0
    for index, resident in enumerate(elders[:2]):
        visit = _expect(
            _call(
                client,
                "POST",
                f"{API}/home-visits",
                json={"item_id": items["elder.allowance"]["id"], "resident_id": resident},
                headers=auth,
            ),
            201,
        )
        made += 1
        if index == 1:
            _expect(
                _call(
                    client,
                    "POST",
                    f"{API}/home-visits/{visit['id']}/assign",
                    json={"worker_subject": grid_worker_subject, "worker_name": "网格员"},
                    headers=auth,
                ),
                200,
            )
            tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(
                hour=7, minute=0, second=0, microsecond=0
            )
            _expect(
                _call(
                    client,
                    "POST",
                    f"{API}/home-visits/{visit['id']}/schedule",
                    json={"at": tomorrow.isoformat()},
                    headers=grid_worker,
                ),
                200,
            )
    return made
