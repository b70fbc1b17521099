"""FastAPI dependencies of this service beyond the kernel's (DbSession, CurrentPrincipal)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from linli.common.pii import PiiCipher
from linli.residents.config import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_cipher(request: Request) -> PiiCipher:
    cipher: PiiCipher = request.app.state.pii_cipher
    return cipher


def get_request_id(request: Request) -> str | None:
    request_id: str | None = getattr(request.state, "request_id", None)
    return request_id


AppSettings = Annotated[Settings, Depends(get_settings)]
Cipher = Annotated[PiiCipher, Depends(get_cipher)]
RequestId = Annotated[str | None, Depends(get_request_id)]
