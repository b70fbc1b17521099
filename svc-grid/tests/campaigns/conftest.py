"""Campaign test data: a community's roster from the registry's events, and a running campaign."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.events import CloudEvent
from linli.grid.roster.handlers import ROSTER_CONSUMER

Sessions = async_sessionmaker[AsyncSession]
# The service conftest's fixtures (`make_place`, `auth`), as these helpers use them.
PlaceMaker = Callable[..., Awaitable[Any]]
Auth = Callable[..., dict[str, str]]


def registry_event(name: str, *, community_code: str, **data: Any) -> CloudEvent:
    """A svc-residents event as the roster consumer receives it."""
    full = f"cn.linli.residents.{name}.v1"
    payload = {"type": full, "community_code": community_code}
    payload.update({k: str(v) if isinstance(v, uuid.UUID) else v for k, v in data.items()})
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/residents",
        type=full,
        subject="x",
        time=datetime.now(UTC),
        data=payload,
    )


def household_events(
    *,
    community_code: str,
    grid_id: uuid.UUID | None,
    address: str,
    residents: int = 2,
    tags: tuple[str, ...] = (),
    birth_year: int = 1980,
    household_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, list[CloudEvent]]:
    """A household founded and its residents entered (the first one carries `tags`)."""
    household_id = household_id or uuid.uuid4()
    events = [
        registry_event(
            "household.created",
            community_code=community_code,
            household_id=household_id,
            dwelling_id=uuid.uuid4(),
            household_address=address,
            grid_id=str(grid_id) if grid_id else None,
        )
    ]
    for n in range(residents):
        events.append(
            registry_event(
                "resident.created",
                community_code=community_code,
                resident_id=uuid.uuid4(),
                household_id=household_id,
                grid_id=str(grid_id) if grid_id else None,
                name_masked="王*",
                sex="female",
                birth_year=birth_year,
                tags=list(tags) if n == 0 else [],
            )
        )
    return household_id, events


async def apply(sessionmaker: Sessions, events: list[CloudEvent]) -> None:
    """Run the roster consumer's handler on each event in its own transaction."""
    for one in events:
        async with sessionmaker.begin() as session:
            await ROSTER_CONSUMER.handler(session, one)


@dataclass
class Community:
    place: Any  # the service conftest's Place: community_code, grid_id, building_id
    households: dict[uuid.UUID, str] = field(default_factory=dict)  # id → address
    residents: dict[uuid.UUID, int] = field(default_factory=dict)
    door_to_door: set[uuid.UUID] = field(default_factory=set)

    @property
    def code(self) -> str:
        return str(self.place.community_code)

    def in_building(self, building: str) -> list[uuid.UUID]:
        return sorted(
            (h for h, a in self.households.items() if a.split("-")[0] == building),
            key=lambda h: self.households[h],
        )


CommunityMaker = Callable[..., Awaitable[Community]]


@pytest.fixture
def make_community(sessionmaker: Sessions, make_place: PlaceMaker) -> CommunityMaker:
    """`await make_community(community_code=..., per_building=..., buildings=("1幢", "2幢"),
    door_to_door=2)`: a grid and households with 1-3 residents each, through the roster's
    consumer; the first `door_to_door` households have a mobility-impaired resident."""

    async def make(
        *,
        community_code: str,
        buildings: tuple[str, ...] = ("1幢", "2幢"),
        per_building: int = 10,
        door_to_door: int = 0,
    ) -> Community:
        place = await make_place(community_code=community_code)
        community = Community(place)
        events: list[CloudEvent] = []
        n = 0
        for building in buildings:
            for room in range(per_building):
                address = f"{building}-1单元-{101 + room}"
                residents = 1 + n % 3
                tags = ("mobility_impaired",) if n < door_to_door else ()
                household_id, more = household_events(
                    community_code=community_code,
                    grid_id=place.grid_id,
                    address=address,
                    residents=residents,
                    tags=tags,
                )
                events.extend(more)
                community.households[household_id] = address
                community.residents[household_id] = residents
                if tags:
                    community.door_to_door.add(household_id)
                n += 1
        await apply(sessionmaker, events)
        return community

    return make


CampaignStarter = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def start_campaign(client: httpx.AsyncClient, auth: Auth) -> CampaignStarter:
    """`await start_campaign(division_code)`: a campaign started by the division's staff."""

    async def start(division_code: str, *, days: int = 4) -> dict[str, Any]:
        role = Role.COMMUNITY_WORKER if len(division_code) == 12 else Role.STREET_ADMIN
        response = await client.post(
            "/campaigns",
            json={
                "division_code": division_code,
                "title": "全员核酸检测",
                "goal": "每位居民完成两次核酸检测",
                "ends_at": (datetime.now(UTC) + timedelta(days=days)).isoformat(),
            },
            headers=auth(role, scope=division_code),
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return start
