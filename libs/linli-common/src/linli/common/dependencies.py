"""FastAPI dependencies every service shares beyond `DbSession` and `CurrentPrincipal`: its
settings, its PII cipher and the request id, as `Annotated` aliases for endpoint parameters.

`create_service_app` puts the settings and the cipher on `app.state`. A service whose endpoints
read fields of its own Settings types them with the same function:
`AppSettings = Annotated[Settings, Depends(get_settings)]`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from linli.common.pii import PiiCipher
from linli.common.settings import ServiceSettings


def get_settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


def get_cipher(request: Request) -> PiiCipher:
    cipher: PiiCipher = request.app.state.pii_cipher
    return cipher


def get_request_id(request: Request) -> str | None:
    """The id `RequestContextMiddleware` gave the request (audit rows and problems carry it)."""
    request_id: str | None = getattr(request.state, "request_id", None)
    return request_id


AppSettings = Annotated[ServiceSettings, Depends(get_settings)]
Cipher = Annotated[PiiCipher, Depends(get_cipher)]
RequestId = Annotated[str | None, Depends(get_request_id)]

__all__ = [
    "AppSettings",
    "Cipher",
    "RequestId",
    "get_cipher",
    "get_request_id",
    "get_settings",
]
