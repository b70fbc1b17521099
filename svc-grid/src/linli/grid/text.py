"""Text fields of svc-grid's request bodies: trimmed and bounded (the kernel refuses NUL
characters in every body before a handler runs)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

Stripped = StringConstraints(strip_whitespace=True, min_length=1)

Note = Annotated[str, Stripped, StringConstraints(max_length=500)]
Name = Annotated[str, Stripped, StringConstraints(max_length=32)]
CategoryName = Annotated[str, Stripped, StringConstraints(max_length=64)]
Title = Annotated[str, Stripped, StringConstraints(max_length=100)]
Description = Annotated[str, Stripped, StringConstraints(max_length=2000)]
Address = Annotated[str, Stripped, StringConstraints(max_length=200)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Subject = Annotated[str, Stripped, StringConstraints(max_length=64)]
"""An account id (a token subject)."""
