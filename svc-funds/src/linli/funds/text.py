"""Text fields of this service: stripped, bounded, and free of NUL and of ID or phone numbers
(they appear on public pages and in events)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from linli.common.errors import InvalidValue
from linli.common.events import ClearPiiInEvent, ensure_no_clear_pii


def _public_text(value: str) -> str:
    if "\x00" in value:
        raise InvalidValue("cannot contain a NUL character", "不能含 NUL 字符")
    try:
        ensure_no_clear_pii(value)
    except ClearPiiInEvent as exc:
        raise InvalidValue(
            "cannot contain an ID number or phone number", "不能含身份证号码或手机号码"
        ) from exc
    return value


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_public_text),
]
Memo = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_public_text)
]
Subject = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(_public_text),
]
# A project's summary, an update on its work, its completion report: a few paragraphs.
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    AfterValidator(_public_text),
]
