"""Test fixtures of svc-service-hall: its migrated database and app, residents in the read model,
catalogue items, and tokens for every role."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.events import CloudEvent
from linli.common.settings import Environment
from linli.service_hall.app import create_app
from linli.service_hall.config import NAME, Settings
from linli.service_hall.residents.handlers import RESIDENTS_CONSUMER
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = (
    bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\0" * 64
)


@pytest.fixture(scope="session")
def files_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hall-files")


@pytest.fixture(scope="session")
def settings(service_database: Callable[[str], str], nats_url: str, files_dir: Path) -> Settings:
    return Settings(
        database_url=service_database(NAME),
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
        files_url=f"file://{files_dir}",
        # Tests that need the relay or the consumers turn them on (tests/reports/test_grid_round_trip.py);
        # the rest read the outbox and apply events themselves.
        run_outbox_relay=False,
        run_consumers=False,
        # Tests fire timers themselves, standing at whatever time they need.
        run_timers=False,
        # Small, so that the over-limit upload is cheap to send.
        materials_max_bytes=1024 * 1024,
    )


@pytest.fixture
async def client(settings: Settings, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(create_app(settings, token_verifier=issuer.verifier())) as client:
        yield client


@pytest.fixture(scope="session")
def _street_numbers() -> Iterator[int]:
    # Shuffled so that reruns against a kept database rarely meet their own earlier rows.
    return iter(random.sample(range(100, 1000), 900))


@pytest.fixture
def street_code(_street_numbers: Iterator[int]) -> str:
    """A 9-digit street of district 330108 that no other test of this session uses."""
    return f"330108{next(_street_numbers):03d}"


@pytest.fixture
def community_code(street_code: str) -> str:
    return f"{street_code}001"


def _registry_event(type_: str, at: datetime | None = None, **data: Any) -> CloudEvent:
    """A CloudEvent shaped as svc-residents publishes it (`type_`: `resident.created`)."""
    full = f"cn.linli.residents.{type_}.v1"
    payload = {
        "type": full,
        **{k: str(v) if isinstance(v, uuid.UUID) else v for k, v in data.items()},
    }
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/residents",
        type=full,
        subject=str(data.get("resident_id") or data.get("household_id")),
        time=at or datetime.now(UTC),
        data=payload,
    )


@pytest.fixture
def registry_event() -> Callable[..., CloudEvent]:
    """`registry_event("resident.tagged", at=..., **data)`: an svc-residents CloudEvent."""
    return _registry_event


Apply = Callable[..., Awaitable[None]]


@pytest.fixture
def apply(sessionmaker: async_sessionmaker[AsyncSession]) -> Apply:
    """`await apply(event, ...)`: run the residents handler on each event and commit."""

    async def run(*events: CloudEvent) -> None:
        for event in events:
            async with sessionmaker.begin() as session:
                await RESIDENTS_CONSUMER.handler(session, event)

    return run


@dataclass(frozen=True, slots=True)
class Resident:
    resident_id: uuid.UUID
    household_id: uuid.UUID
    community_code: str
    headers: dict[str, str]


ResidentMaker = Callable[..., Awaitable[Resident]]


@pytest.fixture
def make_resident(apply: Apply, issuer: TestIssuer) -> ResidentMaker:
    """`await make_resident(community_code=..., tags=[...], birth_year=...)`: a resident in the
    read model (as the registry's events put them there) and their token."""

    async def make(
        *, community_code: str, tags: tuple[str, ...] = (), birth_year: int = 1985
    ) -> Resident:
        resident_id, household_id = uuid.uuid4(), uuid.uuid4()
        await apply(
            _registry_event(
                "household.created",
                community_code=community_code,
                household_id=household_id,
                dwelling_id=uuid.uuid4(),
                household_address="3-1-502",
                grid_id=None,
            ),
            _registry_event(
                "resident.created",
                community_code=community_code,
                resident_id=resident_id,
                household_id=household_id,
                grid_id=None,
                name_masked="王*",
                sex="female",
                birth_year=birth_year,
                tags=list(tags),
            ),
        )
        headers = issuer.headers(
            roles=[Role.RESIDENT],
            scope=community_code,
            subject=str(uuid.uuid4()),
            resident_id=str(resident_id),
        )
        return Resident(resident_id, household_id, community_code, headers)

    return make


Auth = Callable[..., dict[str, str]]


@pytest.fixture
def auth(issuer: TestIssuer) -> Auth:
    """`auth(Role.RESIDENT, scope=..., name=..., subject=...)`: an Authorization header."""

    def make(
        role: Role, *, scope: str = "", subject: str | None = None, **extra: Any
    ) -> dict[str, str]:
        return issuer.headers(
            roles=[role], scope=scope, subject=subject or str(uuid.uuid4()), **extra
        )

    return make


ItemMaker = Callable[..., Awaitable[dict[str, Any]]]
_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def material(
    code: str,
    name: str,
    *,
    required: bool = True,
    types: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png"),
) -> dict[str, Any]:
    return {"code": code, "name": name, "required": required, "types": list(types)}


@pytest.fixture
def make_item(client: httpx.AsyncClient, auth: Auth, street_code: str) -> ItemMaker:
    """`await make_item(materials=[...], days=5, ...)`: an item owned by the test's street."""

    async def make(
        *,
        name: str = "居住证办理",
        materials: list[dict[str, Any]] | None = None,
        days: int = 5,
        channels: tuple[str, ...] = ("online", "counter", "home_visit"),
        divisions: list[str] | None = None,
        fee_fen: int = 0,
    ) -> dict[str, Any]:
        response = await client.post(
            "/catalogue/items",
            json={
                # Letters only: a random run of 11 digits starting with 1 reads as a phone number,
                # and the kernel refuses to publish an event that seems to hold one.
                "code": "test." + uuid.uuid4().hex[:12].translate(_DIGITS_TO_LETTERS),
                "name": name,
                "owning_division": street_code,
                "divisions": divisions or [street_code],
                "materials": materials
                if materials is not None
                else [material("id_card", "身份证")],
                "channels": list(channels),
                "promised_working_days": days,
                "fee_fen": fee_fen,
            },
            headers=auth(Role.STREET_ADMIN, scope=street_code),
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return make


class Uploads:
    """Files and multipart bodies for the tests: `uploads.pdf()`, `**uploads.form(...)`."""

    pdf_bytes = PDF

    @staticmethod
    def pdf(name: str = "id.pdf") -> tuple[str, bytes, str]:
        return (name, PDF, "application/pdf")

    @staticmethod
    def png(name: str = "photo.png") -> tuple[str, bytes, str]:
        return (name, PNG, "image/png")

    @staticmethod
    def exe(name: str = "scan.pdf") -> tuple[str, bytes, str]:
        """A Windows executable (MZ header) named and declared as a PDF."""
        return (name, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "application/pdf")

    @staticmethod
    def form(
        *,
        item_id: str | None = None,
        bundle_id: str | None = None,
        channel: str = "online",
        resident_id: str | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """The multipart parts of `POST /applications`: `client.post(..., **uploads.form(...))`."""
        data: dict[str, Any] = {"channel": channel}
        if item_id:
            data["item_id"] = item_id
        if bundle_id:
            data["bundle_id"] = bundle_id
        if resident_id:
            data["resident_id"] = resident_id
        files = files or {}
        data["material_codes"] = list(files)
        parts = [("material_files", f) for f in files.values()]
        # Without files httpx sends the fields url-encoded, which the endpoint reads as well.
        return {"data": data, "files": parts or None}


@pytest.fixture
def uploads() -> Uploads:
    return Uploads()
