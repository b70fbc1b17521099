"""The demo city `linli dev up` seeds: Hangzhou's Binjiang district, two streets, staff accounts,
and in each community two grids, six buildings and some 250 residents, all through the gateway."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from linli.cli.demo_people import GRID_OF_BUILDING, demo_residents, demo_residents_csv
from linli.common.auth import Role
from linli.common.divisions import DivisionCode, Level
from linli.residents.ages import today_in_shanghai

Echo = Callable[[str], None]

DEMO_PASSWORD = "linli-demo-2025"

# Codes in the statistics bureau's shape (city 4, district 6, street 9, community 12 digits); the
# city, district and street codes are Hangzhou's real ones, the community numbering is the demo's.
DEMO_DIVISIONS: tuple[tuple[str, str], ...] = (
    ("3301", "杭州市"),
    ("330108", "滨江区"),
    ("330108001", "西兴街道"),
    ("330108001001", "东冠社区"),
    ("330108001002", "固陵社区"),
    ("330108001003", "江汉社区"),
    ("330108002", "长河街道"),
    ("330108002001", "长河社区"),
    ("330108002002", "江一社区"),
    ("330108002003", "山一社区"),
)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    roles: tuple[Role, ...]
    scope: str
    grid_ids: tuple[str, ...] = ()
    password: str = DEMO_PASSWORD

    @property
    def summary(self) -> str:
        grids = f", grids {', '.join(self.grid_ids)}" if self.grid_ids else ""
        return f"{'+'.join(self.roles)} of {self.scope} {_name_of(self.scope)}{grids}"


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("city.admin", (Role.CITY_ADMIN,), "3301"),
    DemoAccount("binjiang.admin", (Role.DISTRICT_ADMIN,), "330108"),
    DemoAccount("xixing.admin", (Role.STREET_ADMIN,), "330108001"),
    DemoAccount("dongguan.worker", (Role.COMMUNITY_WORKER,), "330108001001"),
    DemoAccount("changhe.worker", (Role.COMMUNITY_WORKER,), "330108002001"),
    # The workers of 西兴街道's other communities, who reach their households in its campaign.
    DemoAccount("guling.worker", (Role.COMMUNITY_WORKER,), "330108001002"),
    DemoAccount("jianghan.worker", (Role.COMMUNITY_WORKER,), "330108001003"),
    DemoAccount("dongguan.grid1", (Role.GRID_WORKER,), "330108001001", ("330108001001-01",)),
    DemoAccount("dongguan.factory", (Role.COMMUNITY_WORKER,), "330108001001"),
    DemoAccount("jingcai.firm", (Role.ENTERPRISE,), "330108001001"),
    DemoAccount("yuwang.firm", (Role.ENTERPRISE,), "330108001001"),
)


def _name_of(code: str) -> str:
    return dict(DEMO_DIVISIONS).get(code, "")


def demo_divisions_csv() -> str:
    return "code,name\n" + "".join(f"{code},{name}\n" for code, name in DEMO_DIVISIONS)


async def create_demo_staff(gateway_database_url: str, accounts: Sequence[DemoAccount]) -> int:
    """Create the accounts that do not exist yet, straight in the gateway's database."""
    from linli.cli.users import create_staff_account

    created = 0
    for account in accounts:
        if await create_staff_account(
            gateway_database_url,
            username=account.username,
            password=account.password,
            roles=account.roles,
            scope=account.scope,
            grid_ids=account.grid_ids,
            exist_ok=True,
        ):
            created += 1
    return created


def demo_communities() -> list[str]:
    return [code for code, _ in DEMO_DIVISIONS if DivisionCode(code).level is Level.COMMUNITY]


def staff_login(client: httpx.Client, *, username: str, password: str) -> dict[str, str] | str:
    """Authorization headers for a staff account, or why there are none."""
    login = client.post("/auth/staff/login", json={"username": username, "password": password})
    if login.status_code != 200:
        return f"staff login answered {login.status_code} ({login.text[:200]})"
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def import_demo_divisions(client: httpx.Client, *, auth: dict[str, str]) -> str:
    """Import the division tree through the gateway, as a city admin would. Returns what happened."""
    answer = client.post(
        "/api/residents/divisions/import",
        content=demo_divisions_csv().encode(),
        headers={
            **auth,
            "Content-Type": "text/csv; charset=utf-8",
            # The import is keyed so a re-run of `linli dev up` replays the first answer.
            "Idempotency-Key": "linli-dev-seed-divisions-v1",
        },
    )
    if answer.status_code in (404, 405):
        return "skipped: the residents service has no division import endpoint yet"
    if answer.status_code in (502, 503, 504):
        return f"skipped: the gateway could not reach the residents service ({answer.status_code})"
    if answer.is_success or answer.status_code == 409:
        return f"ok ({len(DEMO_DIVISIONS)} divisions)"
    return f"failed: {answer.status_code} {answer.text[:300]}"


class _SeedFailed(Exception):
    """A step of the demo registry answered something else than expected."""


def _expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise _SeedFailed(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} {answer.text[:300]}"
        )
    return answer.json() if answer.content else None


def _grids_of(client: httpx.Client, auth: dict[str, str], community: str) -> dict[int, str]:
    """Number → id of the community's grids, creating grids 1 and 2 where missing."""
    listed = _expect(
        client.get("/api/residents/grids", params={"division": community}, headers=auth), 200
    )
    grids = {g["number"]: g["id"] for g in listed["items"]}
    for number in sorted(set(GRID_OF_BUILDING.values()) - grids.keys()):
        created = _expect(
            client.post(
                "/api/residents/grids",
                json={"community_code": community, "number": number, "name": f"第{number}网格"},
                headers=auth,
            ),
            201,
        )
        grids[number] = created["id"]
    return grids


def _place_buildings(
    client: httpx.Client, auth: dict[str, str], community: str, grids: dict[int, str]
) -> None:
    """Buildings 1–6 on their grids, so that the imported households join the grids."""
    listed = _expect(
        client.get(
            "/api/residents/buildings", params={"division": community, "limit": 100}, headers=auth
        ),
        200,
    )
    existing = {b["name"] for b in listed["items"]}
    for building, grid in GRID_OF_BUILDING.items():
        if building not in existing:
            _expect(
                client.post(
                    "/api/residents/buildings",
                    json={"community_code": community, "name": building, "grid_id": grids[grid]},
                    headers=auth,
                ),
                201,
            )


def seed_demo_registry(
    client: httpx.Client, *, auth: dict[str, str], within_s: float = 120.0
) -> str:
    """Grids, buildings, households and residents of every demo community, once: the bulk import
    a community worker would use, as the city admin. Returns what happened."""
    city = DEMO_DIVISIONS[0][0]
    stats = client.get("/api/residents/stats", params={"division": city}, headers=auth)
    if stats.status_code in (404, 405):
        return "skipped: the residents service has no statistics endpoint"
    if _expect(stats, 200)["population"] > 0:
        return f"already there ({stats.json()['population']} residents)"
    communities = demo_communities()
    for community in communities:
        _place_buildings(client, auth, community, _grids_of(client, auth, community))
    residents = list(demo_residents(communities, today=today_in_shanghai()))
    job = _expect(
        client.post(
            "/api/residents/imports/residents",
            content=demo_residents_csv(residents).encode(),
            headers={**auth, "Content-Type": "text/csv; charset=utf-8"},
        ),
        202,
    )
    deadline = time.monotonic() + within_s
    while job["status"] in ("queued", "validating", "storing"):
        if time.monotonic() > deadline:
            return f"import {job['id']} still {job['status']} after {within_s:.0f}s"
        time.sleep(0.3)
        job = _expect(client.get(f"/api/residents/imports/{job['id']}", headers=auth), 200)
    if job["status"] != "completed":
        return f"import {job['id']} ended {job['status']}: {job.get('error') or job}"
    return (
        f"ok ({len(residents)} residents, {job['households_created']} households, "
        f"{len(communities) * len(set(GRID_OF_BUILDING.values()))} grids)"
    )


def _seed_grid(client: httpx.Client, *, city: dict[str, str]) -> str:
    from linli.cli.seed_grid import GridSeedFailed, seed_demo_grid

    logins = {}
    for username in ("dongguan.worker", "dongguan.grid1", "xixing.admin"):
        auth = staff_login(client, username=username, password=DEMO_PASSWORD)
        if isinstance(auth, str):
            return f"skipped: {username}: {auth}"
        logins[username] = auth
    try:
        return seed_demo_grid(
            client,
            city=city,
            worker=logins["dongguan.worker"],
            grid_worker=logins["dongguan.grid1"],
            street=logins["xixing.admin"],
        )
    except GridSeedFailed as exc:
        return f"failed: {exc}"


def _seed_directives(client: httpx.Client) -> str:
    from linli.cli.seed_directives import DirectivesSeedFailed, seed_demo_directives

    logins = {}
    for username in ("binjiang.admin", "dongguan.worker", "changhe.worker"):
        auth = staff_login(client, username=username, password=DEMO_PASSWORD)
        if isinstance(auth, str):
            return f"skipped: {username}: {auth}"
        logins[username] = auth
    try:
        return seed_demo_directives(
            client,
            district=logins["binjiang.admin"],
            dongguan=logins["dongguan.worker"],
            changhe=logins["changhe.worker"],
        )
    except DirectivesSeedFailed as exc:
        return f"failed: {exc}"


def _seed_campaigns(client: httpx.Client) -> str:
    from linli.cli.seed_campaigns import CampaignSeedFailed, seed_demo_campaign

    logins = {}
    for username in ("xixing.admin", "dongguan.worker", "guling.worker", "jianghan.worker"):
        auth = staff_login(client, username=username, password=DEMO_PASSWORD)
        if isinstance(auth, str):
            return f"skipped: {username}: {auth}"
        logins[username] = auth
    try:
        return seed_demo_campaign(
            client,
            street=logins["xixing.admin"],
            workers={
                "330108001001": logins["dongguan.worker"],
                "330108001002": logins["guling.worker"],
                "330108001003": logins["jianghan.worker"],
            },
        )
    except CampaignSeedFailed as exc:
        return f"failed: {exc}"


def _seed_coop(client: httpx.Client) -> str:
    from linli.cli.seed_coop import CoopSeedFailed, seed_demo_coop

    logins = {}
    for username in (
        "dongguan.worker",
        "xixing.admin",
        "dongguan.factory",
        "jingcai.firm",
        "yuwang.firm",
    ):
        auth = staff_login(client, username=username, password=DEMO_PASSWORD)
        if isinstance(auth, str):
            return f"skipped: {username}: {auth}"
        logins[username] = auth
    try:
        return seed_demo_coop(
            client,
            worker=logins["dongguan.worker"],
            street=logins["xixing.admin"],
            desk=logins["dongguan.factory"],
            beading=logins["jingcai.firm"],
            netting=logins["yuwang.firm"],
            today=today_in_shanghai(),
        )
    except CoopSeedFailed as exc:
        return f"failed: {exc}"


def _seed_hall(client: httpx.Client, *, city: dict[str, str]) -> str:
    from linli.cli.seed_grid import _subject
    from linli.cli.seed_hall import HallSeedFailed, seed_demo_hall

    logins = {}
    for username in ("dongguan.grid1", "xixing.admin"):
        auth = staff_login(client, username=username, password=DEMO_PASSWORD)
        if isinstance(auth, str):
            return f"skipped: {username}: {auth}"
        logins[username] = auth
    try:
        # The street's admin staffs the hall that serves its three communities; the community
        # worker's account is busy with the grid's and the cooperative's demo (rate limited).
        return seed_demo_hall(
            client,
            city=city,
            street=logins["xixing.admin"],
            worker=logins["xixing.admin"],
            grid_worker=logins["dongguan.grid1"],
            grid_worker_subject=_subject(logins["dongguan.grid1"]),
        )
    except HallSeedFailed as exc:
        return f"failed: {exc}"


def _seed_courses(client: httpx.Client) -> str:
    from linli.cli.seed_courses import CoursesSeedFailed, seed_demo_courses

    street = staff_login(client, username="xixing.admin", password=DEMO_PASSWORD)
    if isinstance(street, str):
        return f"skipped: xixing.admin: {street}"
    try:
        return seed_demo_courses(client, street=street)
    except CoursesSeedFailed as exc:
        return f"failed: {exc}"


def _seed_daily_life(client: httpx.Client) -> str:
    from datetime import UTC, datetime

    from linli.cli.seed_daily_life import DailyLifeSeedFailed, seed_daily_life
    from linli.cli.seed_hall import HallSeedFailed, _residents

    street = staff_login(client, username="xixing.admin", password=DEMO_PASSWORD)
    if isinstance(street, str):
        return f"skipped: xixing.admin: {street}"
    try:
        return seed_daily_life(
            client,
            street=street,
            residents=_residents(client, street),
            elders=_residents(client, street, tag="elderly"),
            now=datetime.now(UTC),
        )
    except (DailyLifeSeedFailed, HallSeedFailed) as exc:
        return f"failed: {exc}"


def _seed_funds(client: httpx.Client, *, city: dict[str, str]) -> str:
    from linli.cli.seed_funds import FundsSeedFailed, seed_demo_funds

    worker = staff_login(client, username="dongguan.worker", password=DEMO_PASSWORD)
    if isinstance(worker, str):
        return f"skipped: dongguan.worker: {worker}"
    try:
        return seed_demo_funds(client, city=city, worker=worker)
    except FundsSeedFailed as exc:
        return f"failed: {exc}"


def _seed_voice(client: httpx.Client, gateway_database_url: str) -> str:
    from linli.cli.seed_voice import VoiceSeedFailed, seed_demo_voice

    logins = {}
    for username in ("binjiang.admin", "xixing.admin", "dongguan.worker", "dongguan.grid1"):
        auth = staff_login(client, username=username, password=DEMO_PASSWORD)
        if isinstance(auth, str):
            return f"skipped: {username}: {auth}"
        logins[username] = auth
    try:
        return seed_demo_voice(
            client,
            gateway_database_url=gateway_database_url,
            district=logins["binjiang.admin"],
            street=logins["xixing.admin"],
            worker=logins["dongguan.worker"],
            grid_worker=logins["dongguan.grid1"],
        )
    except VoiceSeedFailed as exc:
        return f"failed: {exc}"


def seed_demo_city(
    *, gateway_url: str, gateway_database_url: str, echo: Echo
) -> list[tuple[str, str, str]]:
    """Seed what is missing; warn, never fail, when a part of the platform is not there yet."""
    accounts = list(DEMO_ACCOUNTS)
    try:
        created = asyncio.run(create_demo_staff(gateway_database_url, accounts))
    except Exception as exc:  # the seed is a convenience: report, keep the stack running
        echo(f"warning: demo staff accounts not created: {type(exc).__name__}: {exc}")
        return []
    echo(f"demo staff accounts: {created} created, {len(accounts) - created} already there")
    with httpx.Client(base_url=gateway_url, timeout=30.0) as client:
        try:
            auth = staff_login(client, username=accounts[0].username, password=accounts[0].password)
            if isinstance(auth, str):
                echo(f"demo divisions and residents: skipped: {auth}")
            else:
                echo(
                    f"demo divisions (滨江区, 西兴街道, 长河街道): {import_demo_divisions(client, auth=auth)}"
                )
                echo(f"demo households and residents: {seed_demo_registry(client, auth=auth)}")
                echo(f"demo grid (incidents, duty): {_seed_grid(client, city=auth)}")
                echo(f"demo directives (滨江区 → its communities): {_seed_directives(client)}")
                echo(f"demo campaign (西兴街道): {_seed_campaigns(client)}")
                echo(f"demo cooperative (pool, orders, statements): {_seed_coop(client)}")
                echo(f"demo service hall (西兴街道): {_seed_hall(client, city=auth)}")
                echo(
                    "demo elder college, activities and volunteering (东冠社区): "
                    f"{_seed_courses(client)}"
                )
                echo(f"demo daily life (appointments, canteen): {_seed_daily_life(client)}")
                started = time.monotonic()
                funds = _seed_funds(client, city=auth)
                echo(f"demo funds: {funds} in {time.monotonic() - started:.1f}s")
                echo(f"demo residents' voice: {_seed_voice(client, gateway_database_url)}")
        except (httpx.HTTPError, _SeedFailed) as exc:
            echo(f"warning: demo city not fully seeded: {type(exc).__name__}: {exc}")
    table = [(a.username, a.password, a.summary) for a in accounts]
    table.append(
        (
            "resident",
            "(no password)",
            'POST /auth/resident/login {"provider": "dev", "code": "dev:<any openid>"}',
        )
    )
    return table
