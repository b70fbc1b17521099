"""The demo city `linli dev up` seeds: Hangzhou's Binjiang district, two streets, staff accounts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from linli.common.auth import Role

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
    DemoAccount("xixing.admin", (Role.STREET_ADMIN,), "330108001"),
    DemoAccount("dongguan.worker", (Role.COMMUNITY_WORKER,), "330108001001"),
    DemoAccount("changhe.worker", (Role.COMMUNITY_WORKER,), "330108002001"),
    DemoAccount("dongguan.grid1", (Role.GRID_WORKER,), "330108001001", ("330108001001-01",)),
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


def import_demo_divisions(client: httpx.Client, *, username: str, password: str) -> str:
    """Import the division tree through the gateway, as a city admin would. Returns what happened."""
    login = client.post("/auth/staff/login", json={"username": username, "password": password})
    if login.status_code != 200:
        return f"skipped: staff login answered {login.status_code} ({login.text[:200]})"
    token = login.json()["access_token"]
    answer = client.post(
        "/api/residents/divisions/import",
        content=demo_divisions_csv().encode(),
        headers={
            "Authorization": f"Bearer {token}",
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
            outcome = import_demo_divisions(
                client, username=accounts[0].username, password=accounts[0].password
            )
        except httpx.HTTPError as exc:
            outcome = f"failed: {type(exc).__name__}: {exc}"
    echo(f"demo divisions (滨江区, 西兴街道, 长河街道): {outcome}")
    table = [(a.username, a.password, a.summary) for a in accounts]
    table.append(
        (
            "resident",
            "(no password)",
            'POST /auth/resident/login {"provider": "dev", "code": "dev:<any openid>"}',
        )
    )
    return table
