"""Photos of incidents: checked by content and size, nothing left behind when refused, served
only to those who may see the incident."""

from __future__ import annotations

import uuid
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from linli.common.auth import Role
from linli.grid.models import IncidentPhoto

Cast = Any
Auth = Any


def png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def stored(files_dir: Path, incident_id: str) -> list[Path]:
    folder = files_dir / "incidents" / incident_id
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


async def upload(
    cast: Cast,
    incident_id: str,
    content: bytes,
    *,
    by: dict[str, str] | None = None,
    name: str = "现场.png",
) -> httpx.Response:
    client: httpx.AsyncClient = cast.client
    return await client.post(
        f"/incidents/{incident_id}/photos",
        files={"file": (name, content, "image/png")},
        headers=by or cast.resident,
    )


async def test_the_reporter_adds_a_photo_that_those_who_see_the_incident_read(
    cast: Cast, auth: Auth, files_dir: Path
) -> None:
    incident_id = (await cast.report())["id"]
    added = await upload(cast, incident_id, png())
    assert added.status_code == 201, added.text
    photo = added.json()
    assert (photo["content_type"], photo["name"], photo["uploaded_by_role"]) == (
        "image/png",
        "现场.png",
        "resident",
    )
    assert len(stored(files_dir, incident_id)) == 1
    detail = await cast.read(incident_id)
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    assert detail["timeline"][-1]["action"] == "photo"

    path = f"/incidents/{incident_id}/photos/{photo['id']}"
    for reader in (cast.resident, cast.community, cast.worker):
        served = await cast.client.get(path, headers=reader)
        assert served.status_code == 200, served.text
        assert served.content == png()
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
    community = cast.place.community_code
    other_resident = auth(Role.RESIDENT, scope=community)
    other_worker = auth(Role.GRID_WORKER, scope=community, grids=(uuid.uuid4(),))
    other_community = auth(Role.COMMUNITY_WORKER, scope="330108999001")
    for stranger in (other_resident, other_worker, other_community):
        assert (await cast.client.get(path, headers=stranger)).status_code == 404
        refused = await upload(cast, incident_id, png(), by=stranger)
        assert refused.status_code == 404
    wrong_photo = f"/incidents/{incident_id}/photos/{uuid.uuid4()}"
    assert (await cast.client.get(wrong_photo, headers=cast.resident)).status_code == 404
    # The grid worker it was dispatched to adds one too.
    assert (await cast.dispatch(incident_id)).status_code == 200
    by_worker = await upload(cast, incident_id, png(), by=cast.worker, name="处理后.png")
    assert by_worker.status_code == 201
    assert by_worker.json()["uploaded_by_role"] == "grid_worker"


@pytest.mark.parametrize(
    ("content", "name", "status", "words"),
    [
        (b"%PDF-1.7\n" + b"x" * 100, "photo.png", 415, "accepted"),
        (b"just text, named like a photo", "photo.jpg", 415, "accepted"),
        (b"", "empty.png", 422, "empty"),
        (png(), "../../etc/passwd", 422, "path"),
    ],
)
async def test_a_refused_photo_leaves_no_file(
    cast: Cast,
    files_dir: Path,
    sessionmaker: Any,
    content: bytes,
    name: str,
    status: int,
    words: str,
) -> None:
    incident_id = (await cast.report())["id"]
    refused = await upload(cast, incident_id, content, name=name)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert words in refused.json()["detail"]
    assert stored(files_dir, incident_id) == []
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(IncidentPhoto).where(IncidentPhoto.incident_id == uuid.UUID(incident_id))
        )
        assert rows.all() == []
    assert (await cast.read(incident_id))["timeline"][-1]["action"] == "report"


async def test_a_photo_over_the_limit_is_refused_and_not_kept(cast: Cast, files_dir: Path) -> None:
    incident_id = (await cast.report())["id"]
    big = png() + b"\x00" * (10 * 1024 * 1024)
    refused = await upload(cast, incident_id, big)
    assert refused.status_code == 413, refused.text
    assert refused.json()["max_bytes"] == 10 * 1024 * 1024
    assert stored(files_dir, incident_id) == []


async def test_at_most_nine_photos_an_incident(cast: Cast, files_dir: Path) -> None:
    incident_id = (await cast.report())["id"]
    for _ in range(9):
        assert (await upload(cast, incident_id, png())).status_code == 201
    tenth = await upload(cast, incident_id, png())
    assert tenth.status_code == 409
    assert tenth.json()["max_photos"] == 9
    assert len(stored(files_dir, incident_id)) == 9
