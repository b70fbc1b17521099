"""Problem answers in the OpenAPI documents, as the services send them: `application/problem+json`
with one `ProblemDetails` schema.

An endpoint lists what it may refuse with `problem_responses({403: "why", ...})`; the service
frame then rewrites FastAPI's own 422 (documented as `application/json` with a shape the kernel
never sends) into the problem it is, and documents the 400 of a body that cannot be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from linli.common.errors import PROBLEM_MEDIA_TYPE

__all__ = ["FieldErrorDetails", "ProblemDetails", "document_problems", "problem_responses"]

_SCHEMA_REF = "#/components/schemas/ProblemDetails"
_PROBLEM_CONTENT: dict[str, Any] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _SCHEMA_REF}}}
UNAUTHENTICATED = "Missing, forged or expired token"
VALIDATION_FAILED = "A field is invalid (each one listed in `errors`)"
BODY_UNREADABLE = (
    "The body cannot be read (not UTF-8 JSON, a multipart body that does not parse, or not what "
    "`Content-Type` says)"
)


class FieldErrorDetails(BaseModel):
    """One offending field of a 422."""

    field: str = Field(description="Dotted location: `body.address.room`, `query.division`")
    message: str = Field(description="Why, in the language `Accept-Language` asks for")
    type: str = Field(
        description="A stable code of the rule broken (`missing`, `string_too_long` …)"
    )


class ProblemDetails(BaseModel):
    """An RFC 9457 problem; a refusal may add members of its own."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://linli.dev/problems/validation"])
    title: str = Field(description="In Chinese or English, by `Accept-Language`")
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldErrorDetails] | None = Field(
        default=None, description="The fields of a 422, each with its message"
    )


def problem_responses(
    described: Mapping[int, str], *, authenticated: bool = True
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status given (and 401 when the route needs a token), with
    its description, as a problem."""
    statuses = {**({401: UNAUTHENTICATED} if authenticated else {}), **described}
    return {
        status: {"description": text, "content": dict(_PROBLEM_CONTENT)}
        for status, text in sorted(statuses.items())
    }


def _rewrite(document: dict[str, Any]) -> dict[str, Any]:
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            invalid = responses.get("422")
            if invalid is not None and PROBLEM_MEDIA_TYPE not in invalid.get("content", {}):
                description = invalid.get("description")
                responses["422"] = {
                    "description": VALIDATION_FAILED
                    if description in (None, "Validation Error")
                    else description,
                    "content": dict(_PROBLEM_CONTENT),
                }
            for answer in responses.values():
                problem = answer.get("content", {}).get(PROBLEM_MEDIA_TYPE)
                if problem is not None and "schema" not in problem:
                    problem["schema"] = {"$ref": _SCHEMA_REF}
            # JSON that is not UTF-8, a multipart body that does not parse: 400 before any
            # field can be named.
            if operation.get("requestBody") and "400" not in responses:
                responses["400"] = {
                    "description": BODY_UNREADABLE,
                    "content": dict(_PROBLEM_CONTENT),
                }
            operation["responses"] = dict(sorted(responses.items()))
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI's shapes of a 422: nothing refers to them once every 422 is a problem.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["ProblemDetails"] = problem
    return document


def document_problems(app: FastAPI) -> None:
    """Make `app.openapi()` describe problems as the app sends them (the frame calls this)."""
    generate = app.openapi
    rewritten = False

    def openapi() -> dict[str, Any]:
        nonlocal rewritten
        document = generate()  # FastAPI's, cached on the app after the first call
        if not rewritten:
            _rewrite(document)
            rewritten = True
        return document

    app.openapi = openapi  # type: ignore[method-assign]
