"""File storage for materials and photos: one interface over a local directory or an S3 store.

A service never writes files itself. It names a policy (the types it accepts, by content, and a
size limit), calls `files.save(upload, policy, folder=...)` and keeps the returned `StoredFile`'s
key in its own table; it serves the file only from an endpoint that has checked who may see it,
through `file_response`. A refused upload leaves nothing in the store; `discard_on_rollback`
removes a saved file when the request's transaction fails afterwards.

Where files go is `LINLI_FILES_URL`: a local directory by default (`.linli/files/<service>`),
`s3://bucket/prefix` for S3 or any S3-compatible store (MinIO, Ceph, OSS, COS), with credentials
and endpoint from the standard `AWS_*` variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote, urlsplit

import obstore
import puremagic
from fastapi import Depends, Request, UploadFile
from fastapi.responses import StreamingResponse
from obstore.exceptions import NotFoundError
from obstore.store import LocalStore, ObjectStore, from_url
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.errors import FieldError, InvalidInput, LinliError, NotFound
from linli.common.models import new_id
from linli.common.observability import logger

# The bytes read before deciding a file's type: every signature puremagic knows for the formats
# services accept lies in the first few hundred bytes.
SNIFF_BYTES: Final = 64 * 1024
CHUNK_BYTES: Final = 1024 * 1024
MAX_NAME_LENGTH: Final = 255
# Folders are made by services from ids, never by users: letters, digits, `-`, `_`, `/`.
_FOLDER = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")

IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/webp"})
DOCUMENT_TYPES: Final = IMAGE_TYPES | {"application/pdf"}


@dataclass(frozen=True, slots=True)
class FilePolicy:
    """What an endpoint accepts: MIME types as named from the content, and a size limit."""

    types: frozenset[str]
    max_bytes: int

    def __post_init__(self) -> None:
        if not self.types or self.max_bytes <= 0:
            raise ValueError("a file policy needs at least one type and a positive size limit")


PHOTOS: Final = FilePolicy(types=IMAGE_TYPES, max_bytes=10 * 1024 * 1024)
DOCUMENTS: Final = FilePolicy(types=DOCUMENT_TYPES, max_bytes=10 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A saved file: the service keeps these fields in its own table."""

    key: str
    name: str
    content_type: str
    size_bytes: int
    sha256: str


class FileTypeNotAccepted(LinliError):
    status = 415
    problem = "file-type-not-accepted"
    title_en = "File type not accepted"
    title_zh = "文件类型不被接受"


class FileTooLarge(LinliError):
    status = 413
    problem = "file-too-large"
    title_en = "File too large"
    title_zh = "文件过大"


class FileRefused(InvalidInput):
    """An empty file, or a name that is empty, path-like, over-long or holds control characters."""


def _refuse(field: str, detail: str, zh: str) -> FileRefused:
    return FileRefused(detail, errors=[FieldError(f"body.{field}", "file", detail, zh)])


def checked_file_name(name: str | None, *, field: str = "file") -> str:
    """The client's file name, kept for display only (storage keys never derive from it)."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise _refuse(field, "the file needs a name", "文件需要文件名")
    if len(name) > MAX_NAME_LENGTH:
        raise _refuse(
            field,
            f"the file name may have at most {MAX_NAME_LENGTH} characters",
            f"文件名最多 {MAX_NAME_LENGTH} 个字符",
        )
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".."):
        raise _refuse(field, "the file name may not be a path", "文件名不能是路径")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise _refuse(field, "the file name holds control characters", "文件名含有控制字符")
    return name


def content_type_of(head: bytes) -> str | None:
    """The MIME type the bytes say they are, or None when nothing known matches."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    # puremagic sorts by confidence; a match without a MIME type (an .exe, say) names nothing a
    # policy could accept, so the best match that has one decides.
    return next((m.mime_type for m in matches if m.mime_type), None)


class FileStore:
    """The service's files, on an obstore `ObjectStore` (local directory or S3)."""

    def __init__(self, store: ObjectStore, *, description: str = "") -> None:
        self.store = store
        self.description = description

    @classmethod
    def from_url(cls, url: str) -> FileStore:
        """`file:///abs/dir`, a plain directory path, or `s3://bucket/prefix` (AWS_* settings)."""
        parts = urlsplit(url)
        if parts.scheme in ("", "file"):
            directory = Path(parts.path if parts.scheme else url)
            directory.mkdir(parents=True, exist_ok=True)
            return cls(LocalStore(prefix=directory.resolve()), description=str(directory))
        return cls(from_url(url), description=url)

    async def save(self, upload: UploadFile, policy: FilePolicy, *, folder: str) -> StoredFile:
        """Check the upload against `policy` and store it under `folder`; refusals store nothing."""
        if not _FOLDER.fullmatch(folder):
            raise ValueError(f"not a storage folder: {folder!r}")
        name = checked_file_name(upload.filename)
        await upload.seek(0)
        head = await upload.read(SNIFF_BYTES)
        if not head:
            raise _refuse("file", "the file is empty", "文件为空")
        found = content_type_of(head)
        if found not in policy.types:
            accepted = sorted(policy.types)
            raise FileTypeNotAccepted(
                f"the file's content is {found or 'of an unknown type'}; accepted: "
                + ", ".join(accepted),
                found=found,
                accepted=accepted,
            )
        # Starlette has spooled the part already: its size is what arrived, not what was declared.
        if upload.size is not None and upload.size > policy.max_bytes:
            raise _too_large(policy)
        key = f"{folder}/{new_id()}"
        digest = hashlib.sha256()
        size = 0

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal size
            chunk = head
            while chunk:
                size += len(chunk)
                if size > policy.max_bytes:
                    raise _too_large(policy)
                digest.update(chunk)
                yield chunk
                chunk = await upload.read(CHUNK_BYTES)

        try:
            await obstore.put_async(
                self.store,
                key,
                chunks(),
                # A local directory keeps no attributes; the service's row holds the type anyway.
                attributes=None if isinstance(self.store, LocalStore) else {"Content-Type": found},
                use_multipart=(upload.size or 0) > 8 * CHUNK_BYTES,
            )
        except BaseException:
            await self.delete(key)
            raise
        return StoredFile(
            key=key, name=name, content_type=found, size_bytes=size, sha256=digest.hexdigest()
        )

    async def read(self, key: str) -> bytes:
        try:
            result = await obstore.get_async(self.store, key)
        except (NotFoundError, FileNotFoundError) as exc:
            raise NotFound("no such file") from exc
        return bytes(await result.bytes_async())

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        """The file's bytes in chunks; NotFound before the first byte when it is gone."""
        try:
            result = await obstore.get_async(self.store, key)
        except (NotFoundError, FileNotFoundError) as exc:
            raise NotFound("no such file") from exc

        async def chunks() -> AsyncIterator[bytes]:
            async for buffer in result.stream(min_chunk_size=CHUNK_BYTES):
                yield bytes(buffer)

        return chunks()

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self.store, key)
        except (NotFoundError, FileNotFoundError):
            return False
        return True

    async def delete(self, key: str) -> None:
        """Remove a file; a file that is not there is not an error (deletes are retried)."""
        with contextlib.suppress(NotFoundError, FileNotFoundError):
            await obstore.delete_async(self.store, key)

    async def keys(self, prefix: str | None = None) -> list[str]:
        """Every key under `prefix` (for checks and clean-up jobs; not for request paths)."""
        found: list[str] = []
        async for batch in obstore.list(self.store, prefix):
            found.extend(meta["path"] for meta in batch)
        return sorted(found)


def _too_large(policy: FilePolicy) -> FileTooLarge:
    return FileTooLarge(
        f"the file may have at most {policy.max_bytes} bytes", max_bytes=policy.max_bytes
    )


def discard_on_rollback(session: AsyncSession, files: FileStore, key: str) -> None:
    """Delete `key` if the session's transaction rolls back, so a failed request leaves no file.

    SQLAlchemy's session events are synchronous: the delete is scheduled on the running loop, and
    the listeners live and die with the (per-request) session.
    """
    loop = asyncio.get_running_loop()
    settled = False

    def after_commit(_session: Any) -> None:
        nonlocal settled
        settled = True

    def after_soft_rollback(_session: Any, previous_transaction: Any) -> None:
        nonlocal settled
        # A savepoint's rollback leaves the request's transaction (and the file's row) alive.
        if settled or previous_transaction.parent is not None:
            return
        settled = True
        logger.info("file discarded with its transaction", key=key)
        if isinstance(files.store, LocalStore):
            # A local unlink is quick: done before the failed request's answer goes out.
            with contextlib.suppress(NotFoundError, FileNotFoundError):
                obstore.delete(files.store, key)
            return
        task = loop.create_task(files.delete(key))
        _discarding.add(task)
        task.add_done_callback(_discarding.discard)

    event.listen(session.sync_session, "after_commit", after_commit)
    event.listen(session.sync_session, "after_soft_rollback", after_soft_rollback)


# Strong references to the delete tasks until they finish (the loop keeps only weak ones).
_discarding: set[asyncio.Task[None]] = set()


async def file_response(
    files: FileStore, key: str, *, content_type: str, filename: str, inline: bool = True
) -> StreamingResponse:
    """Stream a stored file; call only after checking that the caller may see it."""
    body = await files.stream(key)
    disposition = "inline" if inline else "attachment"
    return StreamingResponse(
        body,
        media_type=content_type,
        headers={
            # RFC 6266/5987: the UTF-8 name for browsers, no raw non-ASCII in the header.
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def get_files(request: Request) -> FileStore:
    files: FileStore = request.app.state.files
    return files


Files = Annotated[FileStore, Depends(get_files)]
