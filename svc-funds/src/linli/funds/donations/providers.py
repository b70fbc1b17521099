"""The payment-provider interface, and the development provider that stands in for WeChat Pay
or Alipay on a laptop and in tests.

A provider makes an intent (its reference and where the donor pays), and later calls back with
a signed confirmation. The service trusts a callback only after `verify` (an HMAC over the raw
body with the key from settings, compared in constant time); what it then does is idempotent
per intent, so a replayed callback changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from linli.funds.donations.errors import InvalidCallback, InvalidSignature

SIGNATURE_HEADER = "X-Linli-Signature"


@dataclass(frozen=True, slots=True)
class Intent:
    provider_ref: str
    pay_url: str


class Confirmation(BaseModel):
    """What a provider's callback says: this intent was paid with this amount."""

    model_config = ConfigDict(extra="ignore")

    provider_ref: str = Field(min_length=1, max_length=64)
    amount_fen: Annotated[int, Strict(), Field(gt=0)]
    status: str = Field(pattern="^(succeeded|failed)$")


class PaymentProvider(Protocol):
    name: str

    def create_intent(self, *, amount_fen: int) -> Intent: ...

    def verify(self, body: bytes, signature: str | None) -> Confirmation: ...


class DevelopmentProvider:
    """Signs and checks callbacks with HMAC-SHA256 over the body; nothing leaves the machine."""

    name = "dev"

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def create_intent(self, *, amount_fen: int) -> Intent:
        ref = "dev_" + secrets.token_hex(12)
        return Intent(provider_ref=ref, pay_url=f"https://pay.dev.linli.invalid/{ref}")

    def sign(self, body: bytes) -> str:
        """What the provider sends in `X-Linli-Signature` (tests and the demo use it)."""
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()

    def callback(self, *, provider_ref: str, amount_fen: int, status: str = "succeeded") -> bytes:
        """A callback body as the provider would send it."""
        return json.dumps(
            {"provider_ref": provider_ref, "amount_fen": amount_fen, "status": status}
        ).encode()

    def verify(self, body: bytes, signature: str | None) -> Confirmation:
        if not signature or not hmac.compare_digest(self.sign(body), signature):
            raise InvalidSignature()
        try:
            return Confirmation.model_validate_json(body)
        except ValidationError as exc:
            raise InvalidCallback("the callback body is not a confirmation") from exc


def provider_of(request: Request) -> PaymentProvider:
    """The provider this deployment uses (today the development one), keyed from settings."""
    settings = request.app.state.settings
    return DevelopmentProvider(settings.payment_callback_key.get_secret_value())


Provider = Annotated[PaymentProvider, Depends(provider_of)]
