"""Photos of reports and proposals: stored through the kernel's file store, served only to those
who may see what they belong to (the caller checks that first)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from linli.common.errors import Conflict, NotFound
from linli.common.files import PHOTOS, FileStore, discard_on_rollback, file_response
from linli.service_hall.models.reports import VoicePhoto

# As many as a WeChat post holds.
MAX_PHOTOS = 9


class TooManyPhotos(Conflict):
    """The report or proposal has as many photos as it may hold."""

    problem = "too-many-photos"
    title_en = "Too many photos"
    title_zh = "照片数量已达上限"


class PhotoNotFound(NotFound):
    """No such photo of this report or proposal."""

    problem = "photo-not-found"
    title_en = "Photo not found"
    title_zh = "照片不存在"


class PhotoRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime


async def add_photo(
    session: AsyncSession,
    files: FileStore,
    *,
    owner_kind: str,
    owner_id: uuid.UUID,
    upload: UploadFile,
    uploaded_by: str,
) -> VoicePhoto:
    """Store one photo of an owner whose row the caller has locked (so the limit holds)."""
    count = await session.scalar(
        select(func.count())
        .select_from(VoicePhoto)
        .where(VoicePhoto.owner_kind == owner_kind, VoicePhoto.owner_id == owner_id)
    )
    if (count or 0) >= MAX_PHOTOS:
        raise TooManyPhotos(f"at most {MAX_PHOTOS} photos", max_photos=MAX_PHOTOS)
    stored = await files.save(upload, PHOTOS, folder=f"{owner_kind}s/{owner_id}")
    discard_on_rollback(session, files, stored.key)
    photo = VoicePhoto(
        owner_kind=owner_kind,
        owner_id=owner_id,
        key=stored.key,
        name=stored.name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        uploaded_by=uploaded_by,
    )
    session.add(photo)
    await session.flush()
    return photo


async def photos_of(
    session: AsyncSession, *, owner_kind: str, owner_id: uuid.UUID
) -> Sequence[VoicePhoto]:
    return (
        await session.scalars(
            select(VoicePhoto)
            .where(VoicePhoto.owner_kind == owner_kind, VoicePhoto.owner_id == owner_id)
            .order_by(VoicePhoto.created_at, VoicePhoto.id)
        )
    ).all()


async def serve_photo(
    session: AsyncSession,
    files: FileStore,
    *,
    owner_kind: str,
    owner_id: uuid.UUID,
    photo_id: uuid.UUID,
) -> StreamingResponse:
    photo = await session.get(VoicePhoto, photo_id)
    if photo is None or photo.owner_kind != owner_kind or photo.owner_id != owner_id:
        raise PhotoNotFound()
    return await file_response(
        files, photo.key, content_type=photo.content_type, filename=photo.name
    )
