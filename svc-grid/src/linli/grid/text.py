"""Text fields of svc-grid's request bodies: trimmed, bounded, and free of NUL characters."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from linli.common.errors import InvalidValue


def no_nul(value: str) -> str:
    # PostgreSQL's text cannot hold U+0000: refused here rather than failing in the database.
    if "\x00" in value:
        raise InvalidValue("must not contain the NUL character", "不能包含 NUL 字符")
    return value


Clean = AfterValidator(no_nul)
Stripped = StringConstraints(strip_whitespace=True, min_length=1)

Note = Annotated[str, Stripped, StringConstraints(max_length=500), Clean]
Name = Annotated[str, Stripped, StringConstraints(max_length=32), Clean]
CategoryName = Annotated[str, Stripped, StringConstraints(max_length=64), Clean]
Title = Annotated[str, Stripped, StringConstraints(max_length=100), Clean]
Description = Annotated[str, Stripped, StringConstraints(max_length=2000), Clean]
Address = Annotated[str, Stripped, StringConstraints(max_length=200), Clean]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), Clean]
Subject = Annotated[str, Stripped, StringConstraints(max_length=64), Clean]
"""An account id (a token subject)."""
