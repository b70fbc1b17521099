"""Bounded, trimmed text fields of the voice's request bodies (the kernel refuses NUL
characters in every body before a handler runs)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

_Stripped = StringConstraints(strip_whitespace=True, min_length=1)

Title = Annotated[str, _Stripped, StringConstraints(max_length=100)]
# The grid's incident description holds 2,000 characters: the hall's link to the photos fits
# beside a report's text.
ReportText = Annotated[str, _Stripped, StringConstraints(max_length=1800)]
Body = Annotated[str, _Stripped, StringConstraints(max_length=4000)]
CommentText = Annotated[str, _Stripped, StringConstraints(max_length=2000)]
Address = Annotated[str, _Stripped, StringConstraints(max_length=200)]
Reason = Annotated[str, _Stripped, StringConstraints(max_length=500)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Category = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{1,63}$", max_length=64)]
"""A category code (`environment.garbage`): for reports, one of svc-grid's incident categories."""
