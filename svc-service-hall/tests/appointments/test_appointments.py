"""Appointments: slots from weekly rules without official holidays, a burst on a full slot
refused cleanly, cancellation until the cut-off, check-in, no-show and reminders by timer."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.timers import TimerPoller
from linli.service_hall.appointments.timers import NO_SHOW_TIMER, REMINDER_TIMER
from linli.service_hall.calendar import SHANGHAI
from linli.testing import OutboxReader

Maker = Any
# Fixtures of appointments/conftest.py (a conftest cannot be imported under importlib mode).
Clock = Any
CalendarMaker = Any
Sessions = async_sessionmaker[AsyncSession]
# Monday 28 September 2026, 10:00 in Shanghai: four weeks ahead hold Friday 2 October (National
# Day, an official holiday) and three working Fridays (9, 16 and 23 October).
MONDAY = datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI)


async def _slots(
    client: httpx.AsyncClient, calendar_id: str, headers: dict[str, str], **params: str
) -> list[dict[str, Any]]:
    answer = await client.get(
        f"/appointment-calendars/{calendar_id}/slots", params=params, headers=headers
    )
    assert answer.status_code == 200, answer.text
    slots: list[dict[str, Any]] = answer.json()
    return slots


async def test_a_full_slot_takes_exactly_its_capacity_from_a_burst(
    client: httpx.AsyncClient,
    clock: Clock,
    make_calendar: CalendarMaker,
    make_resident: Maker,
    community_code: str,
    outbox: OutboxReader,
) -> None:
    clock.now = MONDAY
    calendar = await make_calendar(capacity=10)
    assert calendar["generated_through"] == "2026-10-26"
    residents = [await make_resident(community_code=community_code) for _ in range(100)]
    me = residents[0].headers

    slots = await _slots(client, calendar["id"], me, since="2026-09-28", until="2026-10-26")
    days = sorted({s["starts_at"][:10] for s in slots})
    assert days == ["2026-10-09", "2026-10-16", "2026-10-23"]  # not the holiday of 2 October
    assert len(slots) == 27 and all(s["capacity"] == 10 and s["booked"] == 0 for s in slots)
    first = slots[0]
    assert datetime.fromisoformat(first["starts_at"]) == datetime(
        2026, 10, 9, 14, 0, tzinfo=SHANGHAI
    )

    answers = await asyncio.gather(
        *(
            client.post("/appointments", json={"slot_id": first["id"]}, headers=r.headers)
            for r in residents
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 10 + [409] * 90
    refusal = next(a for a in answers if a.status_code == 409)
    assert refusal.headers["content-type"].startswith("application/problem+json")
    assert refusal.json()["type"].endswith("/slot-full")
    assert (
        "2026-10-09 14:00" in refusal.json()["detail"]
        and "fully booked" in refusal.json()["detail"]
    )

    [after] = [
        s
        for s in await _slots(client, calendar["id"], me, since="2026-10-09", until="2026-10-09")
        if s["id"] == first["id"]
    ]
    assert after["booked"] == 10
    booked = [e for e in await outbox.data("appointment.booked") if e["slot_id"] == first["id"]]
    assert len(booked) == 10
    winners = {a.json()["resident_id"] for a in answers if a.status_code == 201}
    assert {e["resident_id"] for e in booked} == winners

    # One live booking per resident and slot; another slot is fine.
    lucky = next(r for r in residents if str(r.resident_id) in winners)
    again = await client.post("/appointments", json={"slot_id": first["id"]}, headers=lucky.headers)
    assert again.status_code == 409 and again.json()["type"].endswith("/already-booked")
    other = await client.post(
        "/appointments", json={"slot_id": slots[1]["id"]}, headers=lucky.headers
    )
    assert other.status_code == 201


async def test_cancel_until_the_cutoff_check_in_no_show_and_reminders(
    client: httpx.AsyncClient,
    clock: Clock,
    make_calendar: CalendarMaker,
    make_resident: Maker,
    auth: Maker,
    community_code: str,
    sessionmaker: Sessions,
    outbox: OutboxReader,
) -> None:
    clock.now = MONDAY
    calendar = await make_calendar(capacity=1, cancel_cutoff_minutes=120, reminder_minutes=1440)
    alice = await make_resident(community_code=community_code)
    bob = await make_resident(community_code=community_code)
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    slots = await _slots(
        client, calendar["id"], alice.headers, since="2026-10-09", until="2026-10-09"
    )
    slot, second = slots[0], slots[1]
    starts = datetime.fromisoformat(slot["starts_at"])

    booked = await client.post("/appointments", json={"slot_id": slot["id"]}, headers=alice.headers)
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    full = await client.post("/appointments", json={"slot_id": slot["id"]}, headers=bob.headers)
    assert full.status_code == 409

    # Past the cut-off (two hours before): refused, naming it; nothing changed.
    clock.now = starts - timedelta(minutes=119)
    late = await client.post(f"/appointments/{appointment['id']}/cancel", headers=alice.headers)
    assert late.status_code == 409 and "2026-10-09 12:00" in late.json()["detail"]
    # Before it: cancelled, the place free again for Bob, and Alice may book again elsewhere.
    clock.now = starts - timedelta(hours=3)
    cancelled = await client.post(
        f"/appointments/{appointment['id']}/cancel", headers=alice.headers
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/appointments/{appointment['id']}/cancel", headers=alice.headers)
    assert again.status_code == 409
    [event] = [
        e
        for e in await outbox.data("appointment.cancelled")
        if e["appointment_id"] == appointment["id"]
    ]
    assert event["reason"] == "resident"
    bobs = (
        await client.post("/appointments", json={"slot_id": slot["id"]}, headers=bob.headers)
    ).json()
    alices = (
        await client.post("/appointments", json={"slot_id": second["id"]}, headers=alice.headers)
    ).json()

    # Staff only check in, and only from 30 minutes before the slot.
    assert (
        await client.post(f"/appointments/{bobs['id']}/check-in", headers=bob.headers)
    ).status_code == 403
    early = await client.post(f"/appointments/{bobs['id']}/check-in", headers=worker)
    assert early.status_code == 409 and early.json()["type"].endswith("/check-in-not-open")
    clock.now = starts - timedelta(minutes=10)
    checked = await client.post(f"/appointments/{bobs['id']}/check-in", headers=worker)
    assert checked.status_code == 200 and checked.json()["status"] == "checked_in"
    # Another community's worker does not see it; a stranger resident neither.
    stranger = auth(Role.COMMUNITY_WORKER, scope=community_code[:9] + "002")
    assert (await client.get(f"/appointments/{bobs['id']}", headers=stranger)).status_code == 404
    assert (
        await client.get(f"/appointments/{bobs['id']}", headers=alice.headers)
    ).status_code == 404

    # Timers: the reminder for Alice's booking, then her no-show; Bob's checked in: no no-show.
    poller = TimerPoller(sessionmaker, [REMINDER_TIMER, NO_SHOW_TIMER])
    await poller.fire_due(now=starts + timedelta(hours=3))
    reminders = [
        e
        for e in await outbox.data("appointment.reminder_due")
        if e["appointment_id"] in (alices["id"], bobs["id"])
    ]
    assert [r["appointment_id"] for r in reminders] == [alices["id"]]
    assert reminders[0]["service_name"] == "免费法律咨询"
    no_shows = [e["appointment_id"] for e in await outbox.data("appointment.no_show")]
    assert alices["id"] in no_shows and bobs["id"] not in no_shows
    mine = {
        a["id"]: a["status"]
        for a in (await client.get("/appointments", headers=alice.headers)).json()["items"]
    }
    assert mine == {appointment["id"]: "cancelled", alices["id"]: "no_show"}
    first = (await client.get("/appointments", params={"limit": 1}, headers=alice.headers)).json()
    assert [a["id"] for a in first["items"]] == [alices["id"]]  # newest first
    rest = await client.get(
        "/appointments", params={"cursor": first["next_cursor"]}, headers=alice.headers
    )
    assert [a["id"] for a in rest.json()["items"]] == [appointment["id"]]
    assert rest.json()["next_cursor"] is None
    forged = await client.get("/appointments", params={"cursor": "bm9wZQ"}, headers=alice.headers)
    assert forged.status_code == 422
    for event in await outbox.data("appointment.booked"):
        assert set(event) >= {"resident_id", "slot_id", "starts_at"} and "name" not in event


async def test_a_closure_cancels_its_bookings_and_refusals(
    client: httpx.AsyncClient,
    clock: Clock,
    make_calendar: CalendarMaker,
    make_resident: Maker,
    auth: Maker,
    street_code: str,
    community_code: str,
    outbox: OutboxReader,
) -> None:
    clock.now = MONDAY
    calendar = await make_calendar(capacity=2)
    alice = await make_resident(community_code=community_code)
    [slot, *_] = await _slots(
        client, calendar["id"], alice.headers, since="2026-10-16", until="2026-10-16"
    )
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    # A worker books for a resident (and must say for whom).
    no_one = await client.post("/appointments", json={"slot_id": slot["id"]}, headers=worker)
    assert no_one.status_code == 422
    booked = await client.post(
        "/appointments",
        json={"slot_id": slot["id"], "resident_id": str(alice.resident_id)},
        headers=worker,
    )
    assert booked.status_code == 201 and booked.json()["booked_by_role"] == "community_worker"

    # Only the hall's own level closes a day.
    closure = {"date": "2026-10-16", "reason": "律师外出培训"}
    path = f"/appointment-calendars/{calendar['id']}/closures"
    assert (await client.post(path, json=closure, headers=worker)).status_code == 403
    closed = await client.post(
        path, json=closure, headers=auth(Role.STREET_ADMIN, scope=street_code)
    )
    assert closed.status_code == 200 and closed.json()["closures"] == [closure]
    assert (await client.get(f"/appointments/{booked.json()['id']}", headers=alice.headers)).json()[
        "status"
    ] == "cancelled"
    [event] = [
        e
        for e in await outbox.data("appointment.cancelled")
        if e["appointment_id"] == booked.json()["id"]
    ]
    assert event["reason"] == "closure"
    after = await client.post("/appointments", json={"slot_id": slot["id"]}, headers=alice.headers)
    assert after.status_code == 409 and after.json()["type"].endswith("/slot-not-bookable")

    # Refusals, nothing created: a worker opening a street's calendar, bad rules, another
    # community's resident (the hall does not serve them: 404 on the calendar, no booking).
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    body = {
        "service_point_id": calendar["service_point_id"],
        "service_name": "调解",
        "rules": [{"weekday": 1, "opens": "09:00", "closes": "11:00"}],
        "slot_minutes": 30,
        "capacity": 1,
    }
    assert (
        await client.post("/appointment-calendars", json=body, headers=worker)
    ).status_code == 403
    bad: dict[str, Any]
    for bad in (
        {"rules": []},
        {"rules": [{"weekday": 8, "opens": "09:00", "closes": "11:00"}]},
        {"rules": [{"weekday": 1, "opens": "11:00", "closes": "09:00"}]},
        {"slot_minutes": 0},
        {"capacity": "ten"},
        {"service_name": "调\x00解"},
        {"horizon_days": 365},
    ):
        answer = await client.post("/appointment-calendars", json={**body, **bad}, headers=admin)
        assert answer.status_code == 422, (bad, answer.text)
    outsider = await make_resident(community_code=street_code + "009")
    assert (
        await client.get(f"/appointment-calendars/{calendar['id']}", headers=outsider.headers)
    ).status_code == 404
    [open_slot, *_] = await _slots(
        client, calendar["id"], alice.headers, since="2026-10-23", until="2026-10-23"
    )
    refused = await client.post(
        "/appointments", json={"slot_id": open_slot["id"]}, headers=outsider.headers
    )
    assert refused.status_code == 404
    forged = await client.post(
        "/appointments", json={"slot_id": "not-a-uuid"}, headers=alice.headers
    )
    assert forged.status_code == 422
    # Dates at the edge of the calendar are refused, not overflowed.
    far = await client.get(
        f"/appointment-calendars/{calendar['id']}/slots",
        params={"since": "9999-12-30", "until": "9999-12-31"},
        headers=alice.headers,
    )
    assert far.status_code == 422, far.text
    closing = {"date": "9999-12-31", "reason": "x"}
    assert (await client.post(path, json=closing, headers=admin)).status_code == 422


async def test_cancellations_bookings_and_a_closure_at_once_keep_the_count(
    client: httpx.AsyncClient,
    clock: Clock,
    make_calendar: CalendarMaker,
    make_resident: Maker,
    auth: Maker,
    street_code: str,
    community_code: str,
) -> None:
    clock.now = MONDAY
    calendar = await make_calendar(capacity=5)
    people = [await make_resident(community_code=community_code) for _ in range(15)]
    [slot, *_] = await _slots(
        client, calendar["id"], people[0].headers, since="2026-10-23", until="2026-10-23"
    )
    first = [
        (await client.post("/appointments", json={"slot_id": slot["id"]}, headers=p.headers)).json()
        for p in people[:5]
    ]
    moves = await asyncio.gather(
        *(
            client.post(f"/appointments/{a['id']}/cancel", headers=p.headers)
            for a, p in zip(first, people[:5], strict=True)
        ),
        *(
            client.post("/appointments", json={"slot_id": slot["id"]}, headers=p.headers)
            for p in people[5:]
        ),
    )
    assert [m.status_code for m in moves[:5]] == [200] * 5
    assert {m.status_code for m in moves[5:]} <= {201, 409}
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    day = f"/appointment-calendars/{calendar['id']}/appointments"
    listed = (await client.get(day, params={"day": "2026-10-23"}, headers=worker)).json()
    live = [a for a in listed if a["slot_id"] == slot["id"] and a["status"] == "booked"]
    [counted] = [
        s
        for s in await _slots(
            client, calendar["id"], worker, since="2026-10-23", until="2026-10-23"
        )
        if s["id"] == slot["id"]
    ]
    assert counted["booked"] == len(live) == sum(m.status_code == 201 for m in moves[5:]) <= 5

    # The day closed while its residents cancel: every booking ends cancelled, the count at 0.
    owners = {str(p.resident_id): p for p in people}
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    closing = {"date": "2026-10-23", "reason": "停电"}
    answers = await asyncio.gather(
        client.post(
            f"/appointment-calendars/{calendar['id']}/closures", json=closing, headers=admin
        ),
        *(
            client.post(f"/appointments/{a['id']}/cancel", headers=owners[a["resident_id"]].headers)
            for a in live
        ),
    )
    assert answers[0].status_code == 200
    assert {a.status_code for a in answers[1:]} <= {200, 409}
    listed = (await client.get(day, params={"day": "2026-10-23"}, headers=worker)).json()
    assert {a["status"] for a in listed} == {"cancelled"}
    assert all(
        s["booked"] == 0 and s["closed"]
        for s in await _slots(
            client, calendar["id"], worker, since="2026-10-23", until="2026-10-23"
        )
    )
