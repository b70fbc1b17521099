"""Photos of a project's updates: the fund's staff upload them (type by content, size limited,
nothing left behind on refusal), anyone sees them with the project's page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from linli.common.auth import Role
from linli.funds.config import Settings
from linli.testing import OutboxReader
from linli.testing.tokens import TestIssuer

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
SeatFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 4000
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 400


def stored(settings: Settings, project_id: str) -> list[Path]:
    root = Path(settings.files_url.removeprefix("file://")) / "projects" / project_id
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
async def under_way(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    create_fund: FundFactory,
    seat: SeatFactory,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An approved project and an update on it."""
    fund = await create_fund(quorum=1)
    await seat(fund, "acct-li")
    body = {"title": "3幢楼道清理", "summary": "清理粉刷", "budget": {"budget_fen": 115_000}}
    project = (
        await client.post(f"/funds/{fund['id']}/projects", json=body, headers=staff())
    ).json()
    await client.post(f"/projects/{project['id']}/approvals", headers=member("acct-li"))
    update = await client.post(
        f"/projects/{project['id']}/updates", json={"body": "清运杂物两车"}, headers=staff()
    )
    assert update.status_code == 201, update.text
    return project, update.json()


async def test_a_photo_is_kept_and_served_with_the_project(
    client: httpx.AsyncClient,
    staff: Headers,
    settings: Settings,
    under_way: tuple[dict[str, Any], dict[str, Any]],
    outbox: OutboxReader,
) -> None:
    project, update = under_way
    path = f"/projects/{project['id']}/updates/{update['id']}/photos"
    added = await client.post(
        path, files={"file": ("楼道.jpg", JPEG, "image/png")}, headers=staff()
    )
    assert added.status_code == 201, added.text
    [photo] = added.json()["photos"]
    assert (photo["content_type"], photo["size_bytes"], photo["name"]) == (
        "image/jpeg",
        len(JPEG),
        "楼道.jpg",
    )
    assert photo["url"] == f"/api/funds/projects/{project['id']}/photos/{photo['id']}"
    assert len(stored(settings, project["id"])) == 1

    served = await client.get(f"/projects/{project['id']}/photos/{photo['id']}")
    assert (served.status_code, served.content) == (200, JPEG)
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    [listed] = (await client.get(f"/projects/{project['id']}/updates")).json()["items"]
    assert [p["id"] for p in listed["photos"]] == [photo["id"]]
    assert [d["photos"] for d in await outbox.data("project.updated")] == [0, 1]


async def test_refused_uploads_leave_nothing_behind(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    staff: Headers,
    settings: Settings,
    under_way: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    project, update = under_way
    path = f"/projects/{project['id']}/updates/{update['id']}/photos"
    exe = await client.post(path, files={"file": ("photo.jpg", EXE, "image/jpeg")}, headers=staff())
    assert exe.status_code == 415, exe.text
    empty = await client.post(path, files={"file": ("a.jpg", b"", "image/jpeg")}, headers=staff())
    assert empty.status_code == 422
    resident = issuer.headers(roles=[Role.RESIDENT], scope="330108001001", subject="r")
    photo = {"file": ("a.jpg", JPEG, "image/jpeg")}
    assert (await client.post(path, files=photo, headers=resident)).status_code == 403
    elsewhere = await client.post(path, files=photo, headers=staff("330108002001"))
    assert elsewhere.status_code == 404
    other_update = f"/projects/{project['id']}/updates/{project['id']}/photos"
    assert (await client.post(other_update, files=photo, headers=staff())).status_code == 404
    assert stored(settings, project["id"]) == []
    missing = await client.get(f"/projects/{project['id']}/photos/{update['id']}")
    assert missing.status_code == 404


async def test_a_retried_upload_with_its_idempotency_key_stores_one_photo(
    client: httpx.AsyncClient,
    staff: Headers,
    settings: Settings,
    under_way: tuple[dict[str, Any], dict[str, Any]],
    outbox: OutboxReader,
) -> None:
    project, update = under_way
    path = f"/projects/{project['id']}/updates/{update['id']}/photos"
    headers = staff() | {"Idempotency-Key": "photo-1"}
    sent = [
        await client.post(path, files={"file": ("楼道.jpg", JPEG, "image/jpeg")}, headers=headers)
        for _ in range(2)
    ]
    assert [r.status_code for r in sent] == [201, 201], sent[0].text
    assert sent[1].headers["idempotent-replayed"] == "true"
    assert sent[1].json() == sent[0].json()
    assert len(sent[0].json()["photos"]) == 1
    # Another photo under the same key is refused, not stored.
    other = await client.post(
        path, files={"file": ("楼道.jpg", JPEG + b"\x00", "image/jpeg")}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert len(stored(settings, project["id"])) == 1
    [listed] = (await client.get(f"/projects/{project['id']}/updates")).json()["items"]
    assert len(listed["photos"]) == 1
    assert [d["photos"] for d in await outbox.data("project.updated")] == [0, 1]
