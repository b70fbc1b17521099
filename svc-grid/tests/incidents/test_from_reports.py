"""The hall's reports become incidents through its events: once per report however often
`report.filed` comes, placed even when the grid does not know the building, and rated by the
hall's `report.rated` only while resolved."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.consumers import UnprocessableEvent
from linli.common.events import CloudEvent
from linli.grid.incidents.from_reports import HALL_REPORTS_CONSUMER
from linli.grid.models import Incident
from linli.testing import short_type

Sessions = async_sessionmaker[AsyncSession]
Cast = Any


def hall_event(kind: str, **data: Any) -> CloudEvent:
    full = f"cn.linli.service-hall.report.{kind}.v1"
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/service-hall",
        type=full,
        subject=str(data["report_id"]),
        time=datetime.now(UTC),
        data={"type": full, **data},
    )


def filed(cast: Cast, report_id: uuid.UUID, **fields: Any) -> CloudEvent:
    data: dict[str, Any] = {
        "report_id": str(report_id),
        "community_code": cast.place.community_code,
        "category": cast.category,
        "title": "3幢门口垃圾堆放",
        "description": "垃圾三天没人清，联系我138****5678",
        "address": "3幢2单元门口",
        "building_id": str(cast.place.building_id),
        "latitude": 30.2,
        "longitude": 120.2,
        "reporter_name_masked": "王**",
        "photos_path": f"/api/service-hall/reports/{report_id}/photos",
        "filed_at": datetime.now(UTC).isoformat(),
    }
    return hall_event("filed", **(data | fields))


async def apply(sessionmaker: Sessions, *events: CloudEvent) -> None:
    for event in events:
        async with sessionmaker.begin() as session:
            await HALL_REPORTS_CONSUMER.handler(session, event)


async def incidents_of(sessionmaker: Sessions, report_id: uuid.UUID) -> list[Incident]:
    async with sessionmaker() as session:
        return list(
            await session.scalars(
                select(Incident).where(Incident.reporter_subject == f"hall-report:{report_id}")
            )
        )


async def test_a_filed_report_opens_one_incident_however_often_it_comes(
    cast: Cast, sessionmaker: Sessions
) -> None:
    report_id = uuid.uuid4()
    event = filed(cast, report_id)
    again = event.model_copy(update={"id": str(uuid.uuid4())})  # past JetStream's window
    await apply(sessionmaker, event, again)

    [incident] = await incidents_of(sessionmaker, report_id)
    assert incident.source.value == "resident"
    assert incident.reporter_role == "resident"
    assert incident.reporter_name_masked == "王**"
    assert incident.building_id == cast.place.building_id
    assert incident.grid_id == cast.place.grid_id
    assert incident.status.value == "reported"
    assert f"/api/service-hall/reports/{report_id}/photos" in incident.description
    linked = [
        m for m in await cast.events(str(incident.id)) if short_type(m.type) == "incident.linked"
    ]
    assert [m.payload["data"]["report_id"] for m in linked] == [str(report_id)]
    assert [short_type(m.type) for m in await cast.events(str(incident.id))] == [
        "incident.reported",
        "incident.linked",
    ]


async def test_a_building_the_grid_does_not_know_places_it_at_the_address(
    cast: Cast, sessionmaker: Sessions
) -> None:
    report_id = uuid.uuid4()
    event = filed(cast, report_id)
    unknown = event.model_copy(update={"data": {**event.data, "building_id": str(uuid.uuid4())}})
    await apply(sessionmaker, unknown)
    [incident] = await incidents_of(sessionmaker, report_id)
    assert incident.community_code == cast.place.community_code
    assert incident.building_id is None
    assert incident.address == "3幢2单元门口"


async def test_a_category_the_grid_does_not_know_is_unprocessable_and_writes_nothing(
    cast: Cast, sessionmaker: Sessions
) -> None:
    report_id = uuid.uuid4()
    with pytest.raises(UnprocessableEvent):
        await apply(sessionmaker, filed(cast, report_id, category="no.such_category"))
    assert await incidents_of(sessionmaker, report_id) == []


async def test_the_halls_rating_is_applied_by_the_rate_rule_only_while_resolved(
    cast: Cast, sessionmaker: Sessions
) -> None:
    report_id = uuid.uuid4()
    await apply(sessionmaker, filed(cast, report_id))
    [incident] = await incidents_of(sessionmaker, report_id)
    incident_id = str(incident.id)
    rated = {
        "report_id": str(report_id),
        "incident_id": incident_id,
        "community_code": cast.place.community_code,
        "rating": 4,
        "fixed": True,
        "comment": "很快",
        "rated_at": datetime.now(UTC).isoformat(),
    }
    # Not resolved yet: nothing to rate, nothing changes, nothing dead-lettered.
    await apply(sessionmaker, hall_event("rated", **rated))
    assert (await incidents_of(sessionmaker, report_id))[0].rating is None

    assert (await cast.dispatch(incident_id)).status_code == 200
    for step in ("accept", "start", "resolve"):
        assert (await cast.step(incident_id, step, note="已清理")).status_code == 200
    await apply(sessionmaker, hall_event("rated", **rated))
    [verified] = await incidents_of(sessionmaker, report_id)
    assert verified.status.value == "verified"
    assert verified.rating == 4
    # A second verdict (a redelivery under a new id) finds it verified: dropped.
    await apply(sessionmaker, hall_event("rated", **{**rated, "rating": 1}))
    assert (await incidents_of(sessionmaker, report_id))[0].rating == 4
    types = [short_type(m.type) for m in await cast.events(incident_id)]
    assert types.count("incident.rated") == 1
    assert types[-2:] == ["incident.rated", "incident.verified"]
