"""Secrets the grid issues to machines (device secrets, Open311 api_keys): shown once, kept as
SHA-256. 256 random bits make a slow password hash unnecessary, and a check costs microseconds
under an alert burst; a key is found by its hash in one index probe."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hashed(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(stored_hash: str, secret: str) -> bool:
    """Whether `secret` is the one whose hash was stored (in constant time)."""
    return hmac.compare_digest(stored_hash, hashed(secret))
