"""Photos of incidents: checked by the kernel's file store (type from the content, size limit),
kept per incident, and served only to those who may see the incident."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from fastapi import UploadFile
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from linli.common.auth import Principal, Role
from linli.common.errors import Conflict
from linli.common.files import PHOTOS, FileStore, discard_on_rollback, file_response
from linli.grid import access
from linli.grid.incidents import service
from linli.grid.incidents.errors import IncidentNotFound
from linli.grid.models import Incident, IncidentPhoto, IncidentStatus

# As many as a phone's picker sends at once; an incident is not an album.
MAX_PHOTOS = 9


class TooManyPhotos(Conflict):
    problem = "too-many-photos"
    title_en = "Too many photos"
    title_zh = "照片数量已达上限"


async def add_photo(
    session: AsyncSession,
    files: FileStore,
    *,
    incident_id: uuid.UUID,
    upload: UploadFile,
    principal: Principal,
) -> IncidentPhoto:
    """Store the photo under the incident (its row locked, so the count holds) and note it on
    the timeline; a refused file, or a request that fails later, leaves nothing stored."""
    principal.require_role(*access.REPORT_ROLES)
    incident = await service.visible(session, principal, incident_id, for_update=True)
    if incident.status is IncidentStatus.MERGED:
        raise Conflict(f"photos go to the incident it was merged into, {incident.merged_into_id}")
    count = await session.scalar(
        select(func.count()).where(IncidentPhoto.incident_id == incident.id)
    )
    if (count or 0) >= MAX_PHOTOS:
        raise TooManyPhotos(f"an incident has at most {MAX_PHOTOS} photos", max_photos=MAX_PHOTOS)
    stored = await files.save(upload, PHOTOS, folder=f"incidents/{incident.id}")
    discard_on_rollback(session, files, stored.key)
    who = access.actor(principal, _role(principal, incident))
    photo = IncidentPhoto(
        incident_id=incident.id,
        key=stored.key,
        name=stored.name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        uploaded_by_role=who.role,
    )
    session.add(photo)
    await session.flush()
    service.note_step(session, incident, action="photo", who=who, note=stored.name)
    return photo


def _role(principal: Principal, incident: Incident) -> Role:
    if incident.reporter_subject == principal.subject:
        return Role(incident.reporter_role)
    role = access.handler_role(principal, incident)
    if role is not None:
        return role
    return Role.GRID_WORKER if principal.has_role(Role.GRID_WORKER) else sorted(principal.roles)[0]


async def photos_of(session: AsyncSession, incident: Incident) -> Sequence[IncidentPhoto]:
    statement = (
        select(IncidentPhoto)
        .where(IncidentPhoto.incident_id == incident.id)
        .order_by(IncidentPhoto.created_at, IncidentPhoto.id)
    )
    return (await session.scalars(statement)).all()


async def photo_response(
    session: AsyncSession,
    files: FileStore,
    *,
    incident_id: uuid.UUID,
    photo_id: uuid.UUID,
    principal: Principal,
) -> StreamingResponse:
    """The photo's bytes, after the same check as reading the incident (404 otherwise)."""
    incident = await service.visible(session, principal, incident_id)
    photo = await session.get(IncidentPhoto, photo_id)
    if photo is None or photo.incident_id != incident.id:
        raise IncidentNotFound("no such photo of this incident")
    return await file_response(
        files, photo.key, content_type=photo.content_type, filename=photo.name
    )
