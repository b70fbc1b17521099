"""What no request of any service may carry, refused before a handler sees it: the NUL character.

PostgreSQL's text types cannot hold U+0000, so a NUL that reached a query was a 500. Every
service's frame refuses it as a 422 naming the field (`query.q`, `path.code`, `body.address.room`)
through `refuse_nul_characters`, one dependency for JSON bodies, query and path parameters; a
schema outside the frame (the gateway's login) or a value read by hand (a multipart file name, a
CSV cell) uses `NulFreeStr` or `contains_nul`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator

from linli.common.errors import InvalidValue

__all__ = ["NUL", "NulCharacter", "NulFreeStr", "contains_nul", "refuse_nul_characters"]

NUL = "\x00"
# Bodies FastAPI reads as a form: their bytes are consumed by the parser, never cached.
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
# A body holding thousands of NULs is one mistake (or one attack): name the first few fields.
_MAX_REPORTED = 20
_MESSAGE_EN = "must not contain the NUL character (U+0000)"
_MESSAGE_ZH = "不能包含空字符（U+0000）"


class NulCharacter(InvalidValue):
    """A text value holding U+0000, which no text column can store."""

    def __init__(self) -> None:
        super().__init__(_MESSAGE_EN, _MESSAGE_ZH)


def contains_nul(value: str) -> bool:
    return NUL in value


def _nul_free(value: str) -> str:
    if NUL in value:
        raise NulCharacter()
    return value


NulFreeStr = Annotated[str, AfterValidator(_nul_free)]
"""A pydantic field type: text without U+0000."""


def _error(loc: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    return {
        "type": "nul_character",
        "loc": loc,
        "msg": _MESSAGE_EN,
        "input": value,
        "ctx": {"error": NulCharacter()},
    }


def _json_nuls(document: Any) -> list[tuple[str | int, ...]]:
    """Where NULs are in a decoded JSON document (keys and strings); iterative, so a deeply
    nested body cannot exhaust the stack."""
    found: list[tuple[str | int, ...]] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [(("body",), document)]
    while stack and len(found) < _MAX_REPORTED:
        loc, value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                found.append(loc)
        elif isinstance(value, dict):
            for key, item in value.items():
                if NUL in key:
                    found.append((*loc, key))
                stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))
    return sorted(found, key=lambda loc: [str(part) for part in loc])


async def refuse_nul_characters(request: Request) -> None:
    """A dependency of every route (the service frame installs it app-wide): 422 for a NUL in a
    query or path parameter or anywhere in a JSON body, each such field named."""
    errors = [
        _error(("query", name), value)
        for name, value in request.query_params.multi_items()
        if NUL in name or NUL in value
    ]
    errors += [
        _error(("path", name), value)
        for name, value in request.path_params.items()
        if isinstance(value, str) and NUL in value
    ]
    # Only a route that declares a JSON body has had it read (and cached) by FastAPI: reading
    # any other body here would pull a streamed upload into memory, and a form's (multipart
    # files) was consumed by its parser, so asking for it again fails.
    route = request.scope.get("route")
    if getattr(route, "body_field", None) is not None:
        media_type = request.headers.get("content-type", "application/json").split(";")[0]
        media_type = media_type.strip().lower()
        if media_type in FORM_TYPES:
            # FastAPI parsed the form from the stream (Starlette keeps the parsed form, not the
            # bytes): its text fields are checked; file parts are the file store's to check.
            form = await request.form()
            errors += [
                _error(("body", name), value)
                for name, value in form.multi_items()
                if isinstance(value, str) and NUL in value
            ]
        elif media_type.endswith("json") and await request.body():
            try:
                document = await request.json()
            except (ValueError, RecursionError):
                document = None  # FastAPI has refused it already; nothing of ours to add
            errors += [_error(loc, None) for loc in _json_nuls(document)]
    if errors:
        raise RequestValidationError(errors[:_MAX_REPORTED])
