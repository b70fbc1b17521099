"""Money as people read it: integer fen shown as yuan strings, exactly (never through a float)."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """`12345` → `"123.45"`, `-5` → `"-0.05"`."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"
