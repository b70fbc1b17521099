"""The AsyncAPI 3 catalogue: up to date with the services' event classes, listing exactly the
event types their `events` modules declare, valid by the official AsyncAPI 3.0.0 JSON Schema,
and each example valid by its own message schema."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from linli.cli.asyncapi import REGENERATE, build_document, document_path, render
from linli.cli.topology import SERVICES
from linli.infra.embedded import workspace_root

# The official schema, vendored from the AsyncAPI Initiative's @asyncapi/specs 6.11.1
# (schemas/3.0.0.json, Apache-2.0): the one their own parser validates with.
SPEC_SCHEMA = Path(__file__).with_name("asyncapi-3.0.0.schema.json")
_TYPE = re.compile(r'type:\s*Literal\[\s*\(?\s*"(cn\.linli\.[a-z0-9_.-]+)"')


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    built: dict[str, Any] = build_document()
    return built


@pytest.fixture(scope="module")
def spec_validator() -> Any:
    return jsonschema_rs.Draft7Validator(json.loads(SPEC_SCHEMA.read_text()))


def test_the_committed_catalogue_is_what_the_code_generates(document: dict[str, Any]) -> None:
    committed = document_path().read_text(encoding="utf-8")
    assert committed == render(document), (
        f"{document_path()} is out of date with the services' event classes: run `{REGENERATE}` "
        "and commit the result"
    )


def test_it_lists_exactly_the_event_types_the_services_declare(document: dict[str, Any]) -> None:
    """Read from the source text, independently of the generator's imports."""
    declared: set[str] = set()
    root = workspace_root()
    for spec in SERVICES:
        for path in (root / spec.directory / "src").rglob("events.py"):
            declared |= set(_TYPE.findall(path.read_text(encoding="utf-8")))
    listed = {m["name"] for m in document["components"]["messages"].values()}
    assert declared, "no event classes found in the services' events modules"
    assert listed == declared


def test_it_is_valid_asyncapi_3(document: dict[str, Any], spec_validator: Any) -> None:
    errors = [f"{list(e.instance_path)}: {e.message}" for e in spec_validator.iter_errors(document)]
    assert errors == []


def test_the_validator_catches_what_asyncapi_3_forbids(
    document: dict[str, Any], spec_validator: Any
) -> None:
    """So a green validation means something: v2's `publish` action, a channel without a valid
    address, an unknown top-level field are refused."""
    for breakage in ("action", "address", "top"):
        broken = copy.deepcopy(document)
        if breakage == "action":
            next(iter(broken["operations"].values()))["action"] = "publish"
        elif breakage == "address":
            next(iter(broken["channels"].values()))["address"] = 42
        else:
            broken["publish"] = {}
        assert not spec_validator.is_valid(broken), breakage


def test_every_example_is_valid_by_its_message_schema(document: dict[str, Any]) -> None:
    for message_id, message in document["components"]["messages"].items():
        validator = jsonschema_rs.validator_for(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$ref": f"#/components/messages/{message_id}/payload",
                "components": document["components"],
            }
        )
        example = message["examples"][0]["payload"]
        assert validator.is_valid(example), (message_id, list(validator.iter_errors(example))[:1])
        assert example["type"] == message["name"]
        subject = message["examples"][0]["summary"].removeprefix("on ")
        assert subject.startswith("linli.3301.") and subject.endswith(
            message_id.rsplit(".", 1)[0].split(".", 1)[1]
        )
