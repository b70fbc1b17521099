"""Applying svc-grid's incident events to the hall's copy: an upsert by incident id that keeps
the latest event's state (by event time) whatever order events arrive in, one timeline step per
event id, and the report the incident answers brought up to date."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.events import CloudEvent
from linli.service_hall.incident_copies.schemas import (
    IncidentChange,
    IncidentEscalated,
    IncidentLinked,
    IncidentMerged,
    IncidentRated,
)
from linli.service_hall.models.reports import IncidentCopy, IncidentCopyStep
from linli.service_hall.reports import service as reports


async def apply(session: AsyncSession, *, change: IncidentChange, event: CloudEvent) -> None:
    if isinstance(change, IncidentEscalated) and change.copy_on == "level":
        return  # the same escalation arrives on the community's subject too
    upsert = insert(IncidentCopy).values(
        incident_id=change.incident_id,
        community_code=change.community_code,
        category=change.category,
        status=change.status,
        level=change.level,
        last_event_at=event.time,
    )
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[IncidentCopy.incident_id],
            set_={
                "category": upsert.excluded.category,
                "status": upsert.excluded.status,
                "level": upsert.excluded.level,
                "last_event_at": upsert.excluded.last_event_at,
                "updated_at": func.now(),
            },
            # An older event, delivered late, leaves the state as a newer one set it.
            where=IncidentCopy.last_event_at < upsert.excluded.last_event_at,
        )
    )
    facts: dict[str, object] = {}
    if isinstance(change, IncidentMerged):
        facts["merged_into_id"] = change.merged_into_id
    elif isinstance(change, IncidentRated):
        facts["rating"] = change.rating
    elif isinstance(change, IncidentLinked):
        facts["report_id"] = change.report_id
    if facts:
        await session.execute(
            update(IncidentCopy)
            .where(IncidentCopy.incident_id == change.incident_id)
            .values(**facts)
        )
    if not isinstance(change, IncidentLinked):
        await session.execute(
            insert(IncidentCopyStep)
            .values(
                event_id=event.id,
                incident_id=change.incident_id,
                action=event.type.split(".")[-2],
                status=change.status,
                level=change.level,
                actor_role=change.actor_role,
                at=change.at,
                event_time=event.time,
            )
            .on_conflict_do_nothing(index_elements=[IncidentCopyStep.event_id])
        )
    if isinstance(change, IncidentLinked):
        await reports.link(session, report_id=change.report_id, incident_id=change.incident_id)
    await reports.follow(session, incident_id=change.incident_id)
