"""Event envelope and subjects: the hierarchy tokens, `_` for levels above community, no clear PII."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from linli.common.divisions import InvalidDivisionCode
from linli.common.events import (
    ClearPiiInEvent,
    CloudEvent,
    ensure_no_clear_pii,
    event_subject,
    new_cloud_event,
    redact_clear_pii,
    subtree_filter,
)


@pytest.mark.parametrize(
    ("code", "subject"),
    [
        ("330108001001", "linli.3301.330108.330108001.330108001001.grid.incident.reported"),
        ("330108001", "linli.3301.330108.330108001._.grid.incident.reported"),
        ("330108", "linli.3301.330108._._.grid.incident.reported"),
        ("3301", "linli.3301._._._.grid.incident.reported"),
    ],
)
def test_subject_fills_levels_below_the_division_with_underscores(code: str, subject: str) -> None:
    assert event_subject(code, "grid", "incident", "reported") == subject


@pytest.mark.parametrize(
    ("code", "wildcard"),
    [
        ("330108", "linli.3301.330108.>"),
        ("330108001", "linli.3301.330108.330108001.>"),
        ("330108001001", "linli.3301.330108.330108001.330108001001.>"),
    ],
)
def test_subtree_filter_matches_the_division_and_everything_below(code: str, wildcard: str) -> None:
    assert subtree_filter(code) == wildcard


def test_a_district_event_falls_inside_the_district_subtree() -> None:
    subject = event_subject("330108", "funds", "project", "approved")
    assert subject.startswith(subtree_filter("330108")[:-1])


@pytest.mark.parametrize(
    ("code", "service", "entity", "verb"),
    [
        ("33010800100", "grid", "incident", "reported"),  # 11 digits: no such level
        ("330108001001", "grid", "incident.x", "reported"),  # a dot would add a level
        ("330108001001", "grid", "*", "reported"),  # a wildcard in a published subject
        ("330108001001", "Grid", "incident", "reported"),
    ],
)
def test_subject_refuses_bad_tokens(code: str, service: str, entity: str, verb: str) -> None:
    with pytest.raises((ValueError, InvalidDivisionCode)):
        event_subject(code, service, entity, verb)


def test_cloud_event_envelope_round_trips(thing_event: type[Any]) -> None:
    event = new_cloud_event(
        thing_event(community_code="330108001001", thing_id="社区-1"),
        source="/kerneltest",
        subject_id="社区-1",
    )
    parsed = CloudEvent.model_validate_json(event.model_dump_json())
    assert parsed == event
    assert parsed.specversion == "1.0"
    assert parsed.type == "cn.linli.kerneltest.thing.happened.v1"
    assert parsed.data == {
        "type": "cn.linli.kerneltest.thing.happened.v1",
        "community_code": "330108001001",
        "thing_id": "社区-1",
    }


@pytest.mark.parametrize("value", ["330108199001011234", "13812345678"])
def test_an_event_with_a_clear_id_number_or_phone_is_refused(
    thing_event: type[Any], value: str
) -> None:
    with pytest.raises(ClearPiiInEvent):
        new_cloud_event(
            thing_event(community_code="330108001001", thing_id=value),
            source="/kerneltest",
            subject_id="x",
        )


def test_an_event_id_that_looks_like_a_phone_is_not_pii(
    thing_event: type[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1 uuid4 in ~3600 has 11 digits starting 13-19 between letters, like this one.
    phone_like = uuid.UUID("6f1c2a9e-4b7d-4e21-9c3a-a13812345678")
    monkeypatch.setattr(uuid, "uuid4", lambda: phone_like)
    event = new_cloud_event(
        thing_event(community_code="330108001001", thing_id="t1"),
        source="/kerneltest",
        subject_id="t1",
    )
    assert event.id == str(phone_like)


def test_uuids_in_the_data_are_not_pii_but_a_phone_beside_them_is() -> None:
    phone_like_id = "6f1c2a9e-4b7d-4e21-9c3a-a13812345678"
    ensure_no_clear_pii(f'{{"resident_id": "{phone_like_id}"}}')
    with pytest.raises(ClearPiiInEvent):
        ensure_no_clear_pii(f'{{"resident_id": "{phone_like_id}", "note": "13812345678"}}')


def test_redacted_free_text_passes_the_clear_pii_check() -> None:
    text = "请回电13812345678，身份证33010819900101123X，门牌1-101"
    redacted = redact_clear_pii(text)
    assert redacted == "请回电138****5678，身份证330***********123X，门牌1-101"
    ensure_no_clear_pii(redacted)
