"""ID-card numbers and phones: AES-GCM at rest, a keyed HMAC blind index, masking, and the audit
of every clear read."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import BigInteger, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.auth import Principal
from linli.common.db import KernelBase, utcnow_column

_VERSION = b"\x01"  # leading byte of every ciphertext, so keys can rotate later
_NONCE_BYTES = 12


class PiiField(StrEnum):
    """What a protected value is; bound into the ciphertext and the index so they cannot be swapped."""

    ID_NUMBER = "id_number"
    PHONE = "phone"


def _decode_key(encoded: str) -> bytes:
    key = base64.urlsafe_b64decode(encoded.encode())
    if len(key) != 32:
        raise ValueError("PII keys must be 32 bytes, base64-encoded")
    return key


def normalize(field: PiiField, value: str) -> str:
    value = value.strip().replace(" ", "")
    return value.upper() if field is PiiField.ID_NUMBER else value


class PiiCipher:
    """Encrypts for storage and computes the blind index used to find a record by exact value."""

    def __init__(self, *, key: str, index_key: str) -> None:
        self._aead = AESGCM(_decode_key(key))
        self._index_key = _decode_key(index_key)

    def encrypt(self, field: PiiField, value: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        plaintext = normalize(field, value).encode()
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, field.value.encode())

    def decrypt(self, field: PiiField, blob: bytes) -> str:
        if blob[:1] != _VERSION:
            raise ValueError("unknown PII ciphertext version")
        nonce, ciphertext = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, ciphertext, field.value.encode()).decode()

    def blind_index(self, field: PiiField, value: str) -> str:
        message = field.value.encode() + b":" + normalize(field, value).encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """`330***********1234`: region kept for the worker's eye, birth date and serial hidden."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """`138****5678`."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask(field: PiiField, value: str) -> str:
    return mask_id_number(value) if field is PiiField.ID_NUMBER else mask_phone(value)


class PiiAccessLog(KernelBase):
    """One clear read of protected fields: who, when, what, and why."""

    __tablename__ = "pii_access_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(255), nullable=False)
    roles: Mapped[str] = mapped_column(String(255), nullable=False)
    entity: Mapped[str] = mapped_column(String(64), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    fields: Mapped[str] = mapped_column(String(255), nullable=False)
    purpose: Mapped[str] = mapped_column(String(255), nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    read_at: Mapped[datetime] = utcnow_column()


async def audit_clear_read(
    session: AsyncSession,
    *,
    principal: Principal,
    entity: str,
    entity_id: str,
    fields: Iterable[PiiField],
    purpose: str,
    request_id: str | None = None,
) -> None:
    """Record a clear read in the same transaction as the read's request."""
    session.add(
        PiiAccessLog(
            actor=principal.subject,
            roles=",".join(sorted(r.value for r in principal.roles)),
            entity=entity,
            entity_id=entity_id,
            fields=",".join(f.value for f in fields),
            purpose=purpose,
            request_id=request_id,
        )
    )
