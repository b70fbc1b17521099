"""svc-service-hall's daily life in the demo city, through the gateway: 西兴街道's elder college
(未来教育) with a term of 20 courses, chosen by 东冠社区's residents within the rule of five, some
oversubscribed and allocated by lottery from a recorded seed, with the first session's register;
community activities (未来邻里) with sign-ups, a waiting list and check-ins, and a club; a
volunteer team (五社联动) whose activities recorded service hours, and the community's ranking.

The street's admin staffs it all at the counter, for residents named by id (the gateway does
not link a demo resident's account to their registry record).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

STREET = "330108001"  # 西兴街道
COMMUNITY = "330108001001"  # 东冠社区
API = "/api/service-hall"
TERM_NAME = "2027年春季学期（西兴街道老年大学）"
# The lottery's seed: the demo's allocation is the same draw every run for the same choices.
SEED = 20270301
RATE_LIMIT_WAIT_S = 90.0
MEMBERS = 36

# (title, teacher, capacity, minimum age): five popular courses draw more members than seats.
COURSES: tuple[tuple[str, str, int, int | None], ...] = (
    ("智能手机应用", "陈老师", 8, None),
    ("陶艺基础", "林老师", 6, None),
    ("书法（楷书）", "王老师", 8, None),
    ("国画山水", "赵老师", 6, None),
    ("声乐合唱", "周老师", 12, None),
    ("太极拳（60岁以上）", "吴老师", 10, 60),
    ("八段锦（60岁以上）", "郑老师", 10, 60),
    ("养生保健讲座（60岁以上）", "孙老师", 20, 60),
    ("摄影入门", "钱老师", 10, None),
    ("英语口语", "李老师", 12, None),
    ("古典诗词鉴赏", "冯老师", 15, None),
    ("电子琴", "褚老师", 8, None),
    ("舞蹈（民族舞）", "卫老师", 15, None),
    ("园艺与插花", "蒋老师", 10, None),
    ("家庭理财与防诈骗", "沈老师", 20, None),
    ("越剧欣赏", "韩老师", 15, None),
    ("剪纸艺术", "杨老师", 10, None),
    ("烹饪与营养", "朱老师", 12, None),
    ("象棋与围棋", "秦老师", 12, None),
    ("电脑基础", "尤老师", 10, None),
)
POPULAR = COURSES[:5]


class CoursesSeedFailed(Exception):
    """A step of the daily-life demo answered something else than expected."""


def _expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise CoursesSeedFailed(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
            f"{answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def _call(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """The request, again after the gateway's `Retry-After` when the account is over its limit."""
    deadline = time.monotonic() + RATE_LIMIT_WAIT_S
    while True:
        answer = client.request(method, url, **kwargs)
        if answer.status_code != 429 or time.monotonic() > deadline:
            return answer
        time.sleep(min(float(answer.headers.get("Retry-After") or 1), 5.0))


def _registry_residents(
    client: httpx.Client, staff: dict[str, str], *, tag: str | None = None
) -> list[str]:
    params: dict[str, Any] = {"division": COMMUNITY, "limit": 100}
    if tag:
        params["tag"] = tag
    listed = _expect(
        _call(client, "GET", "/api/residents/residents", params=params, headers=staff), 200
    )
    return sorted(r["id"] for r in listed["items"])


def _wait_known(
    client: httpx.Client, staff: dict[str, str], residents: list[str], *, hall: str, within_s: float
) -> None:
    """The hall learns residents from the registry's events: wait until it knows these (a read
    of their service hours answers 404 until then)."""
    deadline = time.monotonic() + within_s
    for resident in residents:
        while True:
            probe = _call(
                client,
                "GET",
                f"{hall}/volunteer-hours",
                params={"resident_id": resident},
                headers=staff,
            )
            if probe.status_code == 200:
                break
            if probe.status_code != 404 or time.monotonic() > deadline:
                raise CoursesSeedFailed(
                    f"the hall did not learn resident {resident} in time ({probe.status_code})"
                )
            time.sleep(0.5)


def seed_demo_courses(
    client: httpx.Client, *, street: dict[str, str], within_s: float = 30.0
) -> str:
    """Seed once through the gateway (a second run finds the term and stops)."""
    if done := _seeded(client, street, hall=API):
        return done
    residents = _registry_residents(client, street)
    elders = _registry_residents(client, street, tag="elderly")
    if len(residents) < 12:
        return f"skipped: {len(residents)} residents in {COMMUNITY}, too few"
    members = residents[:MEMBERS]
    _wait_known(client, street, [*members, *elders[:10]], hall=API, within_s=within_s)
    return seed_courses(client, staff=street, residents=members, elders=elders[:10], hall=API)


def _seeded(client: httpx.Client, staff: dict[str, str], *, hall: str) -> str | None:
    answer = _call(
        client, "GET", f"{hall}/course-terms", params={"division": STREET}, headers=staff
    )
    if answer.status_code == 404:
        return "skipped: the service hall has no elder college yet"
    terms = _expect(answer, 200)["items"]
    return "already there" if any(t["name"] == TERM_NAME for t in terms) else None


def seed_courses(
    client: httpx.Client,
    *,
    staff: dict[str, str],
    residents: list[str],
    elders: list[str],
    hall: str = API,
) -> str:
    """The daily-life demo for these residents of 东冠社区 (`elders`: 60 or older), staffed by
    `staff` (the street's admin); `hall` is the service's root (the gateway's path by default)."""
    if done := _seeded(client, staff, hall=hall):
        return done
    rng = random.Random(SEED)
    now = datetime.now(UTC)

    def post(path: str, body: dict[str, Any], *statuses: int) -> Any:
        return _expect(_call(client, "POST", f"{hall}{path}", json=body, headers=staff), *statuses)

    # --- the elder college ----------------------------------------------------------------
    term = post(
        "/course-terms",
        {
            "division_code": STREET,
            "name": TERM_NAME,
            "max_courses_per_member": 5,
            "selection_opens_at": (now - timedelta(days=3)).isoformat(),
            "selection_closes_at": (now + timedelta(days=4)).isoformat(),
        },
        201,
    )
    first_class = (now + timedelta(days=14)).replace(hour=1, minute=30, second=0, microsecond=0)
    courses = []
    for n, (title, teacher, capacity, min_age) in enumerate(COURSES):
        day = first_class + timedelta(days=n % 5)
        courses.append(
            post(
                f"/course-terms/{term['id']}/courses",
                {
                    "title": title,
                    "teacher": teacher,
                    "place": "西兴街道文化家园" + ("二楼教室" if n % 2 else "一楼多功能厅"),
                    "capacity": capacity,
                    "min_age": min_age,
                    "sessions": [(day + timedelta(weeks=w)).isoformat() for w in range(12)],
                },
                201,
            )
        )
    open_courses = [c for c in courses if c["min_age"] is None]
    popular = courses[: len(POPULAR)]
    members = [*residents, *(e for e in elders if e not in residents)]
    for resident in members:
        wanted = rng.sample(popular, 2) + rng.sample(open_courses, 5)
        if resident in elders:
            wanted = rng.sample([c for c in courses if c["min_age"]], 2) + wanted
        target = rng.choice((3, 4, 5))
        picked: list[dict[str, Any]] = []
        for course in wanted:
            if course not in picked and len(picked) < target:
                picked.append(course)
        for course in picked:
            # 422: a 60+ course for a resident the hall counts younger (the year's boundary).
            post(
                f"/course-terms/{term['id']}/choices",
                {"course_id": course["id"], "resident_id": resident},
                201,
                422,
            )
    allocation = post(
        f"/course-terms/{term['id']}/allocation", {"seed": SEED, "close_early": True}, 200
    )
    oversubscribed = [c for c in allocation["courses"] if c["oversubscribed"]]
    # The first session's register of the smartphone class: those with a seat who came.
    phones = courses[0]
    seated = [
        m["resident_id"]
        for m in _expect(
            _call(client, "GET", f"{hall}/courses/{phones['id']}/members", headers=staff), 200
        )
    ]
    if seated:
        post(
            f"/courses/{phones['id']}/sessions/{phones['sessions'][0]['id']}/attendance",
            {"resident_ids": seated[: max(1, len(seated) - 1)]},
            200,
        )

    # --- community activities and a club -----------------------------------------------------
    tomorrow = (now + timedelta(days=1)).replace(hour=1, minute=0, second=0, microsecond=0)
    activities = [
        ("重阳节包饺子", "东冠社区活动室", 12, tomorrow),
        ("亲子绘本共读", "社区图书角", 10, tomorrow + timedelta(days=2)),
        ("社区电影之夜", "东冠社区广场", 40, tomorrow + timedelta(days=4, hours=10)),
    ]
    signups = waiting = 0
    for title, place, capacity, start in activities:
        activity = post(
            "/activities",
            {
                "community_code": COMMUNITY,
                "title": title,
                "place": place,
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(),
                "capacity": capacity,
            },
            201,
        )
        for resident in residents[: min(len(residents), capacity + 4)]:
            signed = post(f"/activities/{activity['id']}/signups", {"resident_id": resident}, 201)
            signups += 1
            waiting += signed["status"] == "waiting"
        if title == "重阳节包饺子":
            # One gives their place back: the first of the queue moves up.
            post(f"/activities/{activity['id']}/cancellations", {"resident_id": residents[0]}, 200)
    club = post(
        "/clubs",
        {"community_code": COMMUNITY, "name": "东冠夕阳红合唱团", "description": "每周三下午排练"},
        201,
    )
    for resident in elders[:8]:
        post(f"/clubs/{club['id']}/members", {"resident_id": resident}, 200)

    # --- volunteering -------------------------------------------------------------------------
    team = post(
        "/volunteer-organisations",
        {"community_code": COMMUNITY, "kind": "volunteer_team", "name": "东冠社区志愿者服务队"},
        201,
    )
    post(
        "/volunteer-organisations",
        {
            "community_code": COMMUNITY,
            "kind": "social_organisation",
            "name": "滨江区阳光助老社工服务中心",
            "description": "为社区高龄、独居老人提供上门探访",
        },
        201,
    )
    volunteers = residents[:12]
    for n, resident in enumerate(volunteers):
        post(
            f"/volunteer-organisations/{team['id']}/members",
            {"resident_id": resident, "role": "leader" if n == 0 else "member"},
            200,
        )
    # Today's services have begun: the organiser keeps the sheet of who came and went.
    begun = now - timedelta(hours=5)
    recorded = 0
    for n, title in enumerate(("小区环境清洁", "独居老人探访", "垃圾分类督导")):
        start = begun + timedelta(minutes=20 * n)
        activity = post(
            "/volunteer-activities",
            {
                "organisation_id": team["id"],
                "community_code": COMMUNITY,
                "title": title,
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=6)).isoformat(),
                "capacity": 10,
            },
            201,
        )
        for m, resident in enumerate(volunteers[n : n + 8]):
            base = f"/volunteer-activities/{activity['id']}"
            post(f"{base}/signups", {"resident_id": resident}, 201)
            came = start + timedelta(minutes=5 * m)
            post(f"{base}/check-ins", {"resident_id": resident, "at": came.isoformat()}, 200)
            left = came + timedelta(minutes=60 + 30 * ((m + n) % 5))
            post(f"{base}/check-outs", {"resident_id": resident, "at": left.isoformat()}, 200)
            recorded += 1
    saturday = now + timedelta(days=(5 - now.weekday()) % 7 or 7)
    upcoming = post(
        "/volunteer-activities",
        {
            "organisation_id": team["id"],
            "community_code": COMMUNITY,
            "title": "周六江边净滩",
            "starts_at": saturday.replace(hour=0, minute=30, second=0, microsecond=0).isoformat(),
            "ends_at": saturday.replace(hour=3, minute=30, second=0, microsecond=0).isoformat(),
            "capacity": 20,
        },
        201,
    )
    for resident in volunteers[:6]:
        post(f"/volunteer-activities/{upcoming['id']}/signups", {"resident_id": resident}, 201)
    return (
        f"ok (1 term, {len(courses)} courses, {len(oversubscribed)} oversubscribed, allocated "
        f"with seed {SEED}; {len(activities)} activities, {signups} sign-ups, {waiting} waiting; "
        f"1 club; 1 team, {recorded} service-hour records)"
    )
