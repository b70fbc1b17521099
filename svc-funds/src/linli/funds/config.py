"""Settings of svc-funds: the kernel's ServiceSettings with this service's name, database and
the payment provider's callback key."""

from __future__ import annotations

from typing import Self

from pydantic import SecretStr, model_validator

from linli.common.settings import ServiceSettings

# The `/api/<name>` path segment and NATS subject token; the database it owns by default.
NAME = "funds"
DATABASE = "linli_funds"
# Development-only: the development provider's callbacks are signed with it; refused elsewhere.
DEV_PAYMENT_CALLBACK_KEY = "linli-dev-payment-callback-key"


class Settings(ServiceSettings):
    """Read from `LINLI_*` variables like every deployable; defaults point at this service's database."""

    service_name: str = NAME
    database_url: str = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"
    # HMAC-SHA256 key the payment provider signs its callbacks with (`LINLI_PAYMENT_CALLBACK_KEY`).
    payment_callback_key: SecretStr = SecretStr(DEV_PAYMENT_CALLBACK_KEY)

    @model_validator(mode="after")
    def _refuse_dev_callback_key(self) -> Self:
        if (
            not self.is_development
            and self.payment_callback_key.get_secret_value() == DEV_PAYMENT_CALLBACK_KEY
        ):
            raise ValueError("LINLI_PAYMENT_CALLBACK_KEY must be set outside development")
        return self
