"""CloudEvents 1.0 envelope and the hierarchical NATS subjects events travel on."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from linli.common.divisions import DivisionCode

SUBJECT_ROOT = "linli"
TYPE_PREFIX = "cn.linli"
STREAM_SUBJECTS = f"{SUBJECT_ROOT}.>"
_TOKEN = re.compile(r"^[a-z0-9_-]+$")

# Values that must never leave a service in an event: an 18-character ID-card number or an
# 11-digit mainland mobile number. Checked on every event before it is written to the outbox.
_CLEAR_ID_NUMBER = re.compile(r"(?<![0-9])[1-9]\d{16}[\dXx](?![0-9])")
_CLEAR_PHONE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
# Ids are ours and their hex digits may run to eleven decimals that look like a phone number.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def event_subject(division_code: str, service: str, entity: str, verb: str) -> str:
    """`linli.<city4>.<district6>.<street9>.<community12>.<service>.<entity>.<verb>`.

    Levels above community fill the missing tokens with `_`, so `linli.3301.330108.>` matches every
    event of district 330108 and of everything below it.
    """
    for token in (service, entity, verb):
        if not _TOKEN.match(token):
            raise ValueError(f"invalid subject token {token!r}")
    return ".".join(
        (SUBJECT_ROOT, *DivisionCode.parse(division_code).subject_tokens(), service, entity, verb)
    )


def subtree_filter(division_code: str) -> str:
    """The wildcard a system of this division subscribes to: its own and every unit below it."""
    code = DivisionCode.parse(division_code)
    tokens = [t for t in code.subject_tokens() if t != "_"]
    return ".".join((SUBJECT_ROOT, *tokens, ">"))


class DomainEvent(BaseModel):
    """What happened, in the past tense; the `data` of a CloudEvent.

    Subclasses declare `type: Literal["cn.linli.<service>.<entity>.<verb>.v1"]` and the class
    variables below; a service's events form one discriminated union on `type`. Payloads carry ids,
    codes and masked values, never a clear ID number or phone.
    """

    model_config = ConfigDict(frozen=True)

    service: ClassVar[str]
    entity: ClassVar[str]
    verb: ClassVar[str]

    type: str
    community_code: str = Field(description="12-digit code of the community the change belongs to")

    def division_code(self) -> str:
        """The division whose subject carries this event; events above community override it."""
        return self.community_code

    def subject(self) -> str:
        return event_subject(self.division_code(), self.service, self.entity, self.verb)


class CloudEvent(BaseModel):
    """CloudEvents 1.0, structured JSON mode."""

    model_config = ConfigDict(frozen=True)

    specversion: str = "1.0"
    id: str
    source: str
    type: str
    subject: str
    time: datetime
    datacontenttype: str = "application/json"
    data: dict[str, Any]


class ClearPiiInEvent(ValueError):
    """An event payload contains what looks like a clear ID number or phone."""


def ensure_no_clear_pii(payload: str) -> None:
    payload = _UUID.sub("-", payload)
    if _CLEAR_ID_NUMBER.search(payload) or _CLEAR_PHONE.search(payload):
        raise ClearPiiInEvent("event payload contains a clear ID number or phone number")


def redact_clear_pii(text: str) -> str:
    """`text` with what `ensure_no_clear_pii` refuses masked (`138****5678`): free text a
    resident typed (a report, a comment) may travel in an event only so."""

    def masked(match: re.Match[str]) -> str:
        value = match.group(0)
        return value[:3] + "*" * (len(value) - 7) + value[-4:]

    return _CLEAR_PHONE.sub(masked, _CLEAR_ID_NUMBER.sub(masked, text))


def new_cloud_event(event: DomainEvent, *, source: str, subject_id: str) -> CloudEvent:
    """Wrap a domain event; `subject_id` is the id of the thing that changed (CloudEvents `subject`)."""
    data = event.model_dump(mode="json")
    cloud_event = CloudEvent(
        id=str(uuid.uuid4()),
        source=source,
        type=event.type,
        subject=subject_id,
        time=datetime.now(UTC),
        data=data,
    )
    ensure_no_clear_pii(cloud_event.model_dump_json(exclude={"time"}))
    return cloud_event


__all__ = [
    "STREAM_SUBJECTS",
    "SUBJECT_ROOT",
    "TYPE_PREFIX",
    "ClearPiiInEvent",
    "CloudEvent",
    "DomainEvent",
    "ensure_no_clear_pii",
    "event_subject",
    "new_cloud_event",
    "redact_clear_pii",
    "subtree_filter",
]
