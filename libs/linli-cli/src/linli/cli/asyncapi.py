"""The event catalogue: an AsyncAPI 3 document generated from the services' own event classes.

Every concrete `DomainEvent` subclass defined in an `events` module of a service's package (the
services come from `linli.cli.topology`) is one message: its subject pattern, the CloudEvent
envelope around its pydantic JSON schema, and an example. Nothing is listed by hand, so a new
event class appears after `linli asyncapi`, and the test that regenerates the document fails
until it is committed.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import typing
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from linli.cli.topology import SERVICES, ServiceSpec
from linli.common.divisions import DivisionCode
from linli.common.events import SUBJECT_ROOT, DomainEvent
from linli.common.nats import DEFAULT_MAX_AGE_S, DEFAULT_MAX_BYTES, DEFAULT_STREAM

ASYNCAPI_VERSION = "3.0.0"
REGENERATE = "linli asyncapi"
_EXAMPLE_COMMUNITY = "330106001001"
_EXAMPLE_TIME = "2026-12-01T08:00:00Z"
_LEVELS = ("city", "district", "street", "community")


def document_path() -> Path:
    """Where the catalogue is committed: inside the gateway's package, which serves it."""
    from linli.gateway import __file__ as gateway_init

    return Path(gateway_init).parent / "asyncapi.json"


class ExampleError(RuntimeError):
    """An event class for which no valid example could be made; give it one in its schema."""


# --- discovery --------------------------------------------------------------------------------


def _event_type(cls: type[DomainEvent]) -> str | None:
    """The one `Literal` value of the class's `type` field, if it is a concrete event."""
    field = cls.model_fields.get("type")
    if field is None or typing.get_origin(field.annotation) is not typing.Literal:
        return None
    values = typing.get_args(field.annotation)
    if len(values) != 1 or not all(hasattr(cls, name) for name in ("service", "entity", "verb")):
        return None
    return str(values[0])


def event_classes(spec: ServiceSpec) -> list[type[DomainEvent]]:
    """The events a service publishes: concrete DomainEvents defined in its `events` modules."""
    package = importlib.import_module(f"linli.{spec.package}")
    found: dict[str, type[DomainEvent]] = {}
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        if info.name.rsplit(".", 1)[-1] != "events":
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, DomainEvent)
                and value.__module__ == module.__name__
                and (event_type := _event_type(value)) is not None
            ):
                found[event_type] = value
    return [found[key] for key in sorted(found)]


def published_events() -> Iterator[tuple[ServiceSpec, type[DomainEvent]]]:
    for spec in SERVICES:
        for cls in event_classes(spec):
            yield spec, cls


# --- examples ---------------------------------------------------------------------------------


def _example_string(name: str, schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"linli:{name}"))
    if fmt == "date-time":
        return _EXAMPLE_TIME
    if fmt == "date":
        return _EXAMPLE_TIME[:10]
    if name.endswith("community_code"):
        return _EXAMPLE_COMMUNITY
    if name == "code" or name.endswith("_code"):
        return _EXAMPLE_COMMUNITY[:9]
    if name.endswith("_masked"):
        return "张*"
    text = "example"
    if (minimum := schema.get("minLength")) and len(text) < minimum:
        text = text.ljust(minimum, "x")
    if (maximum := schema.get("maxLength")) is not None:
        text = text[:maximum]
    return text


def _example(name: str, schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _example(name, defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    for key in ("const", "default"):
        if key in schema and schema[key] is not None:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    for union in ("anyOf", "oneOf"):
        if union in schema:
            options = [s for s in schema[union] if s.get("type") != "null"]
            return _example(name, options[0], defs) if options else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            key: _example(key, value, defs) for key, value in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_example(name, schema.get("items", {}), defs)]
    if kind == "string":
        return _example_string(name, schema)
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    return None


def example_of(cls: type[DomainEvent]) -> DomainEvent:
    """A valid instance: the class's own `examples` if its schema has them, else one made from
    its JSON schema and checked by the model itself."""
    schema = cls.model_json_schema()
    data = (
        schema["examples"][0]
        if schema.get("examples")
        else _example("", schema, schema.get("$defs", {}))
    )
    try:
        event = cls.model_validate(data)
        event.subject()
        return event
    except (ValidationError, ValueError) as exc:
        raise ExampleError(
            f"{cls.__module__}.{cls.__qualname__}: cannot make an example ({exc}); "
            'give the class one: model_config = ConfigDict(frozen=True, json_schema_extra={"examples": [...]})'
        ) from None


# --- the document -----------------------------------------------------------------------------


def _envelope(event_type: str, data_ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "CloudEvents 1.0, structured JSON mode",
        "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {"type": "string", "description": "Unique per event; also its Nats-Msg-Id"},
            "source": {"type": "string", "description": "/linli/<service>"},
            "type": {"type": "string", "const": event_type},
            "subject": {"type": "string", "description": "Id of the thing that changed"},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"type": "string", "const": "application/json"},
            "data": {"$ref": data_ref},
        },
    }


def _channel_parameters() -> dict[str, Any]:
    lengths = {"city": 4, "district": 6, "street": 9, "community": 12}
    return {
        level: {
            "description": f"The {level}'s {lengths[level]}-digit division code, or `_` when the "
            f"event belongs to a level above {level}"
        }
        for level in _LEVELS
    }


def build_document() -> dict[str, Any]:
    events = list(published_events())
    models: list[tuple[type[BaseModel], Any]] = [(cls, "serialization") for _, cls in events]
    refs, definitions = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(sorted(definitions.get("$defs", {}).items()))
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec, cls in events:
        event_type = str(_event_type(cls))
        channel_id = f"{cls.service}.{cls.entity}.{cls.verb}"
        message_id = event_type.removeprefix("cn.linli.")
        data_ref = refs[(cls, "serialization")]["$ref"]
        example = example_of(cls)
        envelope_example = {
            "specversion": "1.0",
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"linli:event:{event_type}")),
            "source": f"/linli/{spec.name}",
            "type": event_type,
            "subject": str(uuid.uuid5(uuid.NAMESPACE_URL, f"linli:subject:{event_type}")),
            "time": _EXAMPLE_TIME,
            "datacontenttype": "application/json",
            "data": example.model_dump(mode="json"),
        }
        doc = (cls.__doc__ or "").strip()
        messages[message_id] = {
            "name": event_type,
            "title": cls.__name__,
            "summary": doc.splitlines()[0] if doc else event_type,
            "contentType": "application/json",
            "payload": _envelope(event_type, data_ref),
            "examples": [
                {
                    "name": "example",
                    "summary": f"on {example.subject()}",
                    "payload": envelope_example,
                }
            ],
            "x-linli-service": spec.name,
        }
        channel = channels.setdefault(
            channel_id,
            {
                "address": f"{SUBJECT_ROOT}.{{city}}.{{district}}.{{street}}.{{community}}."
                f"{channel_id}",
                "title": channel_id,
                "description": f"`{cls.entity}.{cls.verb}` events of {spec.name}, on the subject "
                "of the division they belong to (a district system subscribes to "
                "`linli.<city>.<district>.>`)",
                "parameters": _channel_parameters(),
                "messages": {},
            },
        )
        channel["messages"][message_id] = {"$ref": f"#/components/messages/{message_id}"}
        operation = operations.setdefault(
            f"publish.{channel_id}",
            {
                "action": "send",
                "title": f"{spec.name} publishes {channel_id}",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [],
            },
        )
        operation["messages"].append({"$ref": f"#/channels/{channel_id}/messages/{message_id}"})
    days = DEFAULT_MAX_AGE_S / 86400
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Linli events",
            "version": "1.0.0",
            "description": (
                "Every event Linli's services publish, generated from their event classes "
                f"(`{REGENERATE}`). CloudEvents 1.0 in JSON on NATS JetStream, stream "
                f"`{DEFAULT_STREAM}` over `linli.>`, subjects "
                "`linli.<city4>.<district6>.<street9>.<community12>.<service>.<entity>.<verb>` "
                "(`_` for the levels below an event above community). Retention: "
                f"{days:g} days or {DEFAULT_MAX_BYTES // 1024**3} GiB, whichever comes first. "
                "District systems connect with credentials from `linli district-creds`, which "
                "the NATS server confines to their subtree (see examples/district-tally)."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "nats": {
                "host": "nats:4222",
                "protocol": "nats",
                "description": "The platform's NATS JetStream (decentralised JWT auth)",
            }
        },
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"messages": dict(sorted(messages.items())), "schemas": schemas},
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def example_subject(level_code: str = _EXAMPLE_COMMUNITY) -> str:
    """For the docs: what a subject looks like for a division code."""
    return ".".join((SUBJECT_ROOT, *DivisionCode.parse(level_code).subject_tokens()))


def main(*, check: bool) -> int:
    path = document_path()
    text = render(build_document())
    if check:
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text:
            print(f"{path} is out of date with the event classes: run `{REGENERATE}`")
            return 1
        print(f"{path} is up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0
