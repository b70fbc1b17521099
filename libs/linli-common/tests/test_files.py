"""The file store: type by content, size limits, names, nothing left behind, local and S3."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, UploadFile
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.db import DbSession
from linli.common.errors import install_problem_handlers
from linli.common.files import (
    PHOTOS,
    FilePolicy,
    Files,
    FileStore,
    discard_on_rollback,
    file_response,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 4000
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 500
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b" " * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 400
SMALL = FilePolicy(types=frozenset({"image/jpeg", "image/png"}), max_bytes=64 * 1024)


def app_with(files: FileStore, sessionmaker: async_sessionmaker[AsyncSession]) -> FastAPI:
    """A service-shaped app: one upload endpoint that saves, records a row, and may then fail."""
    app = FastAPI()
    app.state.files = files
    app.state.sessionmaker = sessionmaker
    install_problem_handlers(app)

    @app.post("/photos")
    async def upload(
        files: Files, session: DbSession, file: UploadFile, fail_after: bool = False
    ) -> dict[str, Any]:
        stored = await files.save(file, SMALL, folder="things/t1")
        discard_on_rollback(session, files, stored.key)
        await session.execute(text("SELECT 1"))
        if fail_after:
            raise RuntimeError("the request fails after the file was saved")
        return {"key": stored.key, "type": stored.content_type, "size": stored.size_bytes}

    @app.get("/photos/{folder}/{name}")
    async def download(files: Files, folder: str, name: str) -> Any:
        return await file_response(
            files, f"things/{folder}/{name}", content_type="image/jpeg", filename="门牌 1.jpg"
        )

    return app


@pytest.fixture
async def client(
    tmp_path: Path, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    files = FileStore.from_url(f"file://{tmp_path}")
    # A handler's crash is answered 500 as in production, not raised into the test.
    transport = httpx.ASGITransport(app=app_with(files, sessionmaker), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://files.test") as client:
        yield client


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_an_accepted_photo_is_stored_and_served_back(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    response = await client.post("/photos", files={"file": ("门口.jpg", JPEG, "image/png")})
    assert response.status_code == 200, response.text
    body = response.json()
    # The type comes from the bytes, not from the name or the client's Content-Type.
    assert body["type"] == "image/jpeg"
    assert body["size"] == len(JPEG)
    assert [p.read_bytes() for p in stored_files(tmp_path)] == [JPEG]

    served = await client.get(f"/photos/{body['key'].removeprefix('things/')}")
    assert served.status_code == 200
    assert served.content == JPEG
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''%E9%97%A8%E7%89%8C%201.jpg" in served.headers["content-disposition"]


@pytest.mark.parametrize(
    ("name", "content", "status", "problem"),
    [
        ("invoice.pdf", EXE, 415, "file-type-not-accepted"),  # an .exe renamed
        ("scan.pdf", PDF, 415, "file-type-not-accepted"),  # a real PDF, but photos only
        ("notes.jpg", b"just some text, not an image", 415, "file-type-not-accepted"),
        ("big.jpg", JPEG + b"\x00" * (64 * 1024), 413, "file-too-large"),
        ("empty.jpg", b"", 422, "invalid-input"),
        ("../../etc/passwd.jpg", JPEG, 422, "invalid-input"),
        ("dir\\photo.jpg", JPEG, 422, "invalid-input"),
        ("a\u202ejpg.exe", JPEG, 422, "invalid-input"),  # a right-to-left override
        ("x" * 256 + ".jpg", JPEG, 422, "invalid-input"),
    ],
)
async def test_a_refused_upload_says_why_and_leaves_no_file(
    client: httpx.AsyncClient,
    tmp_path: Path,
    name: str,
    content: bytes,
    status: int,
    problem: str,
) -> None:
    response = await client.post("/photos", files={"file": (name, content, "image/jpeg")})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(problem)
    assert stored_files(tmp_path) == []


async def test_the_type_refusal_names_what_was_found_and_what_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/photos", files={"file": ("a.png", PDF, "image/png")})
    body = response.json()
    assert body["found"] == "application/pdf"
    assert body["accepted"] == ["image/jpeg", "image/png"]
    assert "application/pdf" in body["detail"]


async def test_a_request_that_fails_after_the_save_takes_its_file_with_it(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    response = await client.post(
        "/photos", params={"fail_after": "true"}, files={"file": ("a.png", PNG, "image/png")}
    )
    assert response.status_code == 500
    assert stored_files(tmp_path) == []


async def test_reading_a_missing_file_is_not_found(tmp_path: Path) -> None:
    files = FileStore.from_url(str(tmp_path))
    assert not await files.exists("things/none")
    await files.delete("things/none")  # deleting what is gone is not an error
    from linli.common.errors import NotFound

    with pytest.raises(NotFound):
        await files.read("things/none")


def test_a_policy_needs_types_and_a_limit() -> None:
    with pytest.raises(ValueError):
        FilePolicy(types=frozenset(), max_bytes=1)
    with pytest.raises(ValueError):
        FilePolicy(types=frozenset({"image/png"}), max_bytes=0)


# --- S3: the same store against a real S3 API (moto's server) --------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


async def test_the_s3_store_saves_serves_and_refuses_like_the_local_one(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3  # type: ignore[import-untyped]

    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket="linli-files")
    # Configured the way ops configure it: the URL in LINLI_FILES_URL, the rest in AWS_*.
    for name, value in {
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
    }.items():
        monkeypatch.setenv(name, value)
    files = FileStore.from_url("s3://linli-files/hall")

    from starlette.datastructures import Headers

    def upload(name: str, content: bytes) -> UploadFile:
        import io

        return UploadFile(
            io.BytesIO(content), size=len(content), filename=name, headers=Headers({})
        )

    stored = await files.save(upload("a.png", PNG), PHOTOS, folder="applications/a1")
    assert await files.read(stored.key) == PNG
    listed = s3.list_objects_v2(Bucket="linli-files")["Contents"]
    assert [o["Key"] for o in listed] == [f"hall/{stored.key}"]

    from linli.common.files import FileTypeNotAccepted

    with pytest.raises(FileTypeNotAccepted):
        await files.save(upload("b.png", EXE), PHOTOS, folder="applications/a1")
    await files.delete(stored.key)
    assert s3.list_objects_v2(Bucket="linli-files").get("KeyCount") == 0
