"""A protected value as it is stored: ciphertext, blind index and masked form, computed once."""

from __future__ import annotations

from dataclasses import dataclass

from linli.common.pii import PiiCipher, PiiField, mask


@dataclass(frozen=True, slots=True)
class ProtectedValue:
    """An ID number or phone ready for storage. The masked form is kept beside the ciphertext so
    lists and events never need the key; only an audited clear read decrypts."""

    cipher: bytes
    index: str
    masked: str


def protect(cipher: PiiCipher, field: PiiField, value: str) -> ProtectedValue:
    return ProtectedValue(
        cipher=cipher.encrypt(field, value),
        index=cipher.blind_index(field, value),
        masked=mask(field, value),
    )
