"""`Idempotency-Key` for POSTs: a retry gets the first answer, a reused key with another body is refused.

The key is claimed and the answer stored in the request's own transaction, so the stored answer
exists if and only if the change it describes was committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.params import Depends as DependsParam
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy import BigInteger, Integer, LargeBinary, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession, KernelBase, utcnow_column
from linli.common.errors import Conflict, InvalidInput
from linli.common.inputs import FORM_TYPES

IDEMPOTENCY_HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255


class IdempotencyRecord(KernelBase):
    """A claimed key and, once the request succeeded, the answer it gave."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(255), nullable=False)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(255), nullable=True)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (UniqueConstraint("owner", "key", name="uq_idempotency_keys_owner_key"),)


class IdempotencyKeyReused(InvalidInput):
    """The same Idempotency-Key was sent earlier with a different request."""

    problem = "idempotency-key-reused"
    title_en = "Idempotency key reused with a different request"
    title_zh = "幂等键已用于另一请求"


class IdempotencyKeyInFlight(Conflict):
    """The first request with this key did not leave a replayable answer."""

    problem = "idempotency-key-in-flight"


class IdempotentReplay(Exception):
    """Raised to short-circuit a retried request with its first answer."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__("idempotent replay")
        # Copied now: the request's session rolls back on this exception, which expires the
        # ORM record before the handler could read it.
        self.status_code = record.status_code or 200
        self.media_type = record.media_type
        self.body = record.response_body


class IdempotencyClaim:
    def __init__(self, session: AsyncSession, record_id: int) -> None:
        self._session = session
        self._record_id = record_id

    async def remember(self, response: Response) -> None:
        record = await self._session.get(IdempotencyRecord, self._record_id)
        assert record is not None
        record.status_code = response.status_code
        record.media_type = response.media_type
        record.response_body = bytes(response.body)
        await self._session.flush()


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.url.path.encode())
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


async def _body_bytes(request: Request) -> bytes:
    """The body as fingerprinted: the raw bytes, or for a form (whose bytes FastAPI's parser
    consumed) its fields in order with each file's name and content."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in FORM_TYPES:
        return await request.body()
    digest = hashlib.sha256()
    for name, value in (await request.form()).multi_items():
        digest.update(name.encode() + b"\0")
        if isinstance(value, str):
            digest.update(b"s" + value.encode() + b"\0")
            continue
        digest.update(b"f" + (value.filename or "").encode() + b"\0")
        await value.seek(0)
        while chunk := await value.read(1024 * 1024):
            digest.update(chunk)
        await value.seek(0)
        digest.update(b"\0")
    return digest.digest()


async def claim_idempotency_key(
    request: Request, session: DbSession, principal: CurrentPrincipal
) -> None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    fingerprint = _fingerprint(request, await _body_bytes(request))
    # A concurrent request with the same key waits here on the unique index until the first
    # commits (then replays its answer) or rolls back (then claims the key itself).
    inserted = await session.execute(
        insert(IdempotencyRecord)
        .values(owner=principal.subject, key=key, fingerprint=fingerprint)
        .on_conflict_do_nothing(constraint="uq_idempotency_keys_owner_key")
        .returning(IdempotencyRecord.id)
    )
    record_id = inserted.scalar_one_or_none()
    if record_id is not None:
        request.state.idempotency_claim = IdempotencyClaim(session, record_id)
        return
    existing = (
        await session.execute(
            select(IdempotencyRecord).where(
                IdempotencyRecord.owner == principal.subject, IdempotencyRecord.key == key
            )
        )
    ).scalar_one()
    if existing.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request; use a new key"
        )
    if existing.status_code is None:
        raise IdempotencyKeyInFlight("the first request with this key left no answer to replay")
    raise IdempotentReplay(existing)


class IdempotentRoute(APIRoute):
    """Route class for routers whose POSTs create or move state: adds the key claim and stores
    the answer before the request's transaction commits."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in (kwargs.get("methods") or ())}
        if "POST" in methods:
            dependencies: Sequence[DependsParam] = kwargs.get("dependencies") or []
            kwargs["dependencies"] = [*dependencies, Depends(claim_idempotency_key)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def remembering_handler(request: Request) -> Response:
            response = await handler(request)
            claim: IdempotencyClaim | None = getattr(request.state, "idempotency_claim", None)
            if claim is not None and response.status_code < 500:
                await claim.remember(response)
            return response

        return remembering_handler


async def _replay_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdempotentReplay)
    return Response(
        content=exc.body,
        status_code=exc.status_code,
        media_type=exc.media_type,
        headers={"Idempotent-Replayed": "true"},
    )


def install_idempotency(app: FastAPI) -> None:
    app.add_exception_handler(IdempotentReplay, _replay_handler)
