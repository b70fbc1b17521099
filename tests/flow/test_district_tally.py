"""The reference district system (examples/district-tally) against a real NATS with auth on:
replay from a start time, resume after a restart, never a miss or a double count; it says so when
the asked history is older than what the stream retains."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from nats.aio.client import Client

from linli.common.divisions import Level
from linli.common.events import CloudEvent, DomainEvent, new_cloud_event
from linli.grid.incidents.events import IncidentClosed, IncidentEscalated, IncidentReported
from linli.residents.households.events import ResidentCreated, ResidentDeleted
from linli.residents.models import DeletionReason, Sex

XIHU = "330106"
STREET_A, STREET_B = "330106001", "330106002"


async def publish(nc: Client, event: DomainEvent, *, source: str) -> CloudEvent:
    """As the outbox relay does: the CloudEvent as JSON on the event's subject, id as Msg-Id."""
    cloud = new_cloud_event(event, source=source, subject_id=str(uuid.uuid4()))
    await nc.jetstream().publish(
        event.subject(), cloud.model_dump_json().encode(), headers={"Nats-Msg-Id": cloud.id}
    )
    return cloud


def _incident_fields(community: str, incident_id: uuid.UUID, status: str) -> dict[str, Any]:
    return {
        "community_code": community,
        "incident_id": incident_id,
        "grid_id": None,
        "building_id": None,
        "category": "environment",
        "status": status,
        "level": Level.COMMUNITY,
        "actor_role": "grid_worker",
        "at": datetime.now(UTC),
    }


async def report(nc: Client, community: str) -> uuid.UUID:
    incident_id = uuid.uuid4()
    now = datetime.now(UTC)
    await publish(
        nc,
        IncidentReported(
            **_incident_fields(community, incident_id, "reported"),
            source="resident",
            dispatch_due_at=now + timedelta(hours=2),
            resolve_due_at=now + timedelta(days=2),
        ),
        source="/linli/grid",
    )
    return incident_id


async def close(nc: Client, community: str, incident_id: uuid.UUID) -> None:
    await publish(
        nc,
        IncidentClosed(**_incident_fields(community, incident_id, "closed")),
        source="/linli/grid",
    )


async def escalate_to_street(nc: Client, community: str, incident_id: uuid.UUID) -> None:
    """Published twice, as svc-grid does: on the community's subject and on the street's."""
    for copy_on in ("community", "level"):
        fields = _incident_fields(community, incident_id, "escalated") | {"level": Level.STREET}
        await publish(
            nc,
            IncidentEscalated(
                **fields,
                from_level=Level.COMMUNITY,
                to_level=Level.STREET,
                level_code=community[:9],
                automatic=True,
                copy_on=copy_on,
            ),
            source="/linli/grid",
        )


async def register(nc: Client, community: str) -> uuid.UUID:
    resident_id = uuid.uuid4()
    await publish(
        nc,
        ResidentCreated(
            community_code=community,
            resident_id=resident_id,
            household_id=uuid.uuid4(),
            grid_id=None,
            name_masked="张*",
            sex=Sex.FEMALE,
            birth_year=1950,
            tags=[],
        ),
        source="/linli/residents",
    )
    return resident_id


async def deregister(nc: Client, community: str, resident_id: uuid.UUID) -> None:
    await publish(
        nc,
        ResidentDeleted(
            community_code=community,
            resident_id=resident_id,
            household_id=uuid.uuid4(),
            reason=DeletionReason(next(iter(DeletionReason))),
        ),
        source="/linli/residents",
    )


def figures_of(result: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    return {
        street: (row.incidents_reported, row.incidents_open, row.incidents_closed, row.residents)
        for street, row in result.items()
    }


async def test_replay_from_a_start_time_then_resume_without_miss_or_double_count(
    auth_nats: Any,
    service_nc: Client,
    district_tally: ModuleType,
    unique: Any,
    tmp_path: Path,
) -> None:
    _credential, text = auth_nats.store.issue_district(scope=XIHU, name=unique("tally"))
    creds = tmp_path / "tally.creds"
    creds.write_text(text)
    db = tmp_path / "tally.sqlite"

    # Yesterday's events, before the start time: not in the tally.
    await report(service_nc, f"{STREET_A}001")
    await register(service_nc, f"{STREET_A}001")
    since = datetime.now(UTC)
    # The day the district asks for.
    a1 = await report(service_nc, f"{STREET_A}001")
    a2 = await report(service_nc, f"{STREET_A}002")
    b1 = await report(service_nc, f"{STREET_B}001")
    await close(service_nc, f"{STREET_A}001", a1)
    await escalate_to_street(service_nc, f"{STREET_B}001", b1)  # two copies, one incident
    residents = [await register(service_nc, f"{STREET_B}00{i}") for i in (1, 2, 3)]
    await report(service_nc, "330105001001")  # another district: never seen

    async def run(**kwargs: Any) -> tuple[dict[str, Any], Any]:
        result: tuple[dict[str, Any], Any] = await district_tally.run_tally(
            creds=creds, nats_url=auth_nats.url, db=db, idle_s=0.3, **kwargs
        )
        return result

    figures, first = await run(since=since)
    assert first.warnings == []
    assert figures_of(figures) == {STREET_A: (2, 1, 1, 0), STREET_B: (1, 1, 0, 3)}
    assert first.applied == 9

    # Stopped; the day goes on; restarted (its `since` no longer matters: it resumes).
    await close(service_nc, f"{STREET_A}002", a2)
    await deregister(service_nc, f"{STREET_B}001", residents[0])
    again, second = await run(since=since - timedelta(days=1))
    assert figures_of(again) == {STREET_A: (2, 0, 2, 0), STREET_B: (1, 1, 0, 2)}
    assert (second.applied, second.skipped) == (2, 0)

    # An outbox retry after JetStream's de-duplication window: the same event, a new sequence.
    duplicate = await publish(
        service_nc,
        IncidentReported(
            **_incident_fields(f"{STREET_A}003", uuid.uuid4(), "reported"),
            source="resident",
            dispatch_due_at=datetime.now(UTC),
            resolve_due_at=datetime.now(UTC),
        ),
        source="/linli/grid",
    )
    await service_nc.jetstream().publish(
        f"linli.3301.{XIHU}.{STREET_A}.{STREET_A}003.grid.incident.reported",
        duplicate.model_dump_json().encode(),
        headers={"Nats-Msg-Id": f"{duplicate.id}-after-window"},
    )
    third_figures, third = await run(since=None)
    assert figures_of(third_figures)[STREET_A] == (3, 1, 2, 0)
    assert (third.applied, third.skipped) == (1, 1)


async def test_a_lost_consumer_resumes_after_the_last_applied_sequence(
    auth_nats: Any,
    service_nc: Client,
    district_tally: ModuleType,
    unique: Any,
    tmp_path: Path,
) -> None:
    credential, text = auth_nats.store.issue_district(scope=XIHU, name=unique("tally"))
    creds = tmp_path / "tally.creds"
    creds.write_text(text)
    db = tmp_path / "tally.sqlite"
    await report(service_nc, f"{STREET_A}001")
    figures, _ = await district_tally.run_tally(
        creds=creds, nats_url=auth_nats.url, db=db, since=None, idle_s=0.3
    )
    assert figures_of(figures) == {STREET_A: (1, 1, 0, 0)}
    await service_nc.jetstream().delete_consumer("LINLI", credential.name)
    await report(service_nc, f"{STREET_A}001")
    figures, run = await district_tally.run_tally(
        creds=creds, nats_url=auth_nats.url, db=db, since=None, idle_s=0.3
    )
    assert figures_of(figures) == {STREET_A: (2, 2, 0, 0)}
    assert (run.applied, run.skipped) == (1, 0)


async def test_replay_from_before_the_retained_history_says_so(
    auth_nats: Any,
    service_nc: Client,
    district_tally: ModuleType,
    unique: Any,
    tmp_path: Path,
) -> None:
    _credential, text = auth_nats.store.issue_district(scope=XIHU, name=unique("tally"))
    creds = tmp_path / "tally.creds"
    creds.write_text(text)
    since = datetime.now(UTC)
    await report(service_nc, f"{STREET_A}001")
    await report(service_nc, f"{STREET_A}001")
    last = await service_nc.jetstream().stream_info("LINLI")
    # Retention dropped everything but the last event (as max age or max bytes would).
    await service_nc.jetstream().purge_stream("LINLI", seq=last.state.last_seq)
    figures, run = await district_tally.run_tally(
        creds=creds, nats_url=auth_nats.url, db=tmp_path / "t.sqlite", since=since, idle_s=0.3
    )
    assert figures_of(figures) == {STREET_A: (1, 1, 0, 0)}
    assert len(run.warnings) == 1
    assert run.warnings[0].startswith("history incomplete: asked from")
    assert "retention: 90 days" in run.warnings[0]

    # From a time inside the retained history: no warning.
    _, fine = await district_tally.run_tally(
        creds=creds,
        nats_url=auth_nats.url,
        db=tmp_path / "u.sqlite",
        since=datetime.now(UTC),
        idle_s=0.3,
    )
    assert fine.warnings == []
