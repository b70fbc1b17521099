"""Business rules of announcements: published by the staff of a level to a division of their
scope (above it: 403), seen by the residents of every community below the target while not
expired, pinned first; read receipts once per resident, counted per community."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.errors import Forbidden
from linli.common.events import redact_clear_pii
from linli.common.outbox import events_of
from linli.common.pagination import Page, within_division
from linli.service_hall.announcements import events as ev
from linli.service_hall.announcements.errors import AnnouncementNotFound
from linli.service_hall.announcements.repository import (
    LISTING,
    AnnouncementRepository,
    current,
    reaching,
)
from linli.service_hall.announcements.schemas import (
    AnnouncementCreate,
    AnnouncementRead,
    AnnouncementUpdate,
    CommunityReads,
    ReadCounts,
)
from linli.service_hall.models.announcements import Announcement
from linli.service_hall.voice import access


def _now() -> datetime:
    return datetime.now(UTC)


def read_announcement(announcement: Announcement) -> AnnouncementRead:
    return AnnouncementRead(
        id=announcement.id,
        target_code=announcement.target_code,
        title=announcement.title,
        body=announcement.body,
        pinned=bool(announcement.pin),
        expires_at=announcement.expires_at,
        publisher_role=announcement.publisher_role,
        publisher_name_masked=announcement.publisher_name_masked,
        published_at=announcement.published_at,
    )


async def publish(
    session: AsyncSession, *, announcement_in: AnnouncementCreate, principal: Principal
) -> Announcement:
    role = access.staff_level(principal)
    target = announcement_in.target_code or principal.scope
    # A community worker cannot speak for the street, nor a street for the district.
    principal.require_scope(target)
    who = access.actor(principal, role)
    now = _now()
    announcement = Announcement(
        target_code=target,
        title=announcement_in.title,
        body=announcement_in.body,
        pin=int(announcement_in.pinned),
        expires_at=announcement_in.expires_at,
        publisher_subject=principal.subject,
        publisher_role=who.role,
        publisher_name_masked=who.name_masked,
        published_at=now,
    )
    session.add(announcement)
    await session.flush()
    await _record(
        session,
        ev.AnnouncementPublished,
        announcement,
        title=redact_clear_pii(announcement.title),
        publisher_role=who.role,
        published_at=now,
    )
    return announcement


def _reaches_staff(principal: Principal, announcement: Announcement) -> bool:
    """Staff see what they may manage (inside their scope) and what reaches them from above."""
    code = announcement.target_code
    return principal.covers(code) or (bool(principal.scope) and principal.scope.startswith(code))


async def visible(
    session: AsyncSession, principal: Principal, announcement_id: uuid.UUID
) -> Announcement:
    principal.require_role(Role.RESIDENT, *access.READ_ROLES)
    announcement = await AnnouncementRepository(session).get(announcement_id)
    if announcement is None:
        raise AnnouncementNotFound()
    if principal.has_role(*access.READ_ROLES):
        if not _reaches_staff(principal, announcement):
            raise AnnouncementNotFound()
        return announcement
    community = access.resident_community(principal)
    expired = announcement.expires_at is not None and announcement.expires_at <= _now()
    if not access.reaches(announcement.target_code, community) or expired:
        raise AnnouncementNotFound()
    return announcement


async def list_announcements(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[AnnouncementRead]:
    """Residents: those reaching their community, not expired, pinned first. Staff: those
    targeted inside their scope (or `division` in it) and those reaching it from above,
    expired ones included."""
    principal.require_role(Role.RESIDENT, *access.READ_ROLES)
    after = LISTING.decode(cursor)
    if principal.has_role(*access.READ_ROLES):
        code = division or principal.scope
        principal.require_scope(code)
        above = [code[:n] for n in (4, 6, 9) if n < len(code)]
        reach = or_(
            within_division(Announcement.target_code, code), Announcement.target_code.in_(above)
        )
    else:
        community = access.resident_community(principal)
        if division and not access.reaches(division, community):
            raise Forbidden(f"division {division} does not contain your community")
        reach = reaching(community) & current(_now())
    statement = select(Announcement).where(reach)
    rows = (await session.scalars(LISTING.paginate(statement, after=after, limit=limit))).all()
    return LISTING.page(rows, limit=limit, read=read_announcement)


async def mark_read(
    session: AsyncSession, *, announcement_id: uuid.UUID, principal: Principal
) -> None:
    """A resident's read receipt, once however often they open it."""
    community = access.resident_community(principal)
    announcement = await visible(session, principal, announcement_id)
    await AnnouncementRepository(session).mark_read(announcement.id, principal.subject, community)


async def read_counts(
    session: AsyncSession, *, announcement_id: uuid.UUID, principal: Principal
) -> ReadCounts:
    """Per community of the caller's scope: how many residents read it."""
    access.staff_level(principal)
    announcement = await visible(session, principal, announcement_id)
    rows = await AnnouncementRepository(session).read_counts(
        announcement.id, within=principal.scope
    )
    communities = [CommunityReads(community_code=r.community_code, reads=r.reads) for r in rows]
    return ReadCounts(
        announcement_id=announcement.id,
        total=sum(c.reads for c in communities),
        communities=communities,
    )


async def update(
    session: AsyncSession,
    *,
    announcement_id: uuid.UUID,
    update_in: AnnouncementUpdate,
    principal: Principal,
) -> Announcement:
    """Pin, unpin or move the expiry: staff whose scope holds the target."""
    access.staff_level(principal)
    announcement = await visible(session, principal, announcement_id)
    principal.require_scope(announcement.target_code)
    changes = update_in.model_dump(exclude_unset=True)
    if "pinned" in changes and changes["pinned"] is not None:
        announcement.pin = int(changes["pinned"])
    if "expires_at" in changes:
        announcement.expires_at = changes["expires_at"]
    await session.flush()
    await _record(session, ev.AnnouncementUpdated, announcement)
    return announcement


async def _record(
    session: AsyncSession,
    event_class: type[ev._AnnouncementEvent],
    announcement: Announcement,
    **fields: object,
) -> None:
    code = announcement.target_code
    event = event_class(
        community_code=code if len(code) == 12 else None,
        target_code=code,
        announcement_id=announcement.id,
        pinned=bool(announcement.pin),
        expires_at=announcement.expires_at,
        **fields,
    )
    await events_of(session).record(event, subject_id=announcement.id)
