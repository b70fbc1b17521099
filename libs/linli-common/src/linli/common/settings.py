"""Settings every Linli process shares; each service subclasses ServiceSettings."""

from __future__ import annotations

import base64
from enum import StrEnum
from typing import Self

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from linli.common.nats import DEFAULT_MAX_AGE_S, DEFAULT_MAX_BYTES

# Development-only values: usable on a laptop, refused anywhere else (see _refuse_unsafe_defaults).
DEV_PII_KEY = base64.urlsafe_b64encode(b"linli-dev-pii-encryption-key-32b").decode()
DEV_PII_INDEX_KEY = base64.urlsafe_b64encode(b"linli-dev-blind-index-key-32byte").decode()


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LinliSettings(BaseSettings):
    """Read from `LINLI_*` environment variables.

    One deployable runs per process (and per container), so every service reads the same variable
    names: an ops team sets `LINLI_DATABASE_URL` for the residents container and another value for
    the grid container, instead of learning five prefixes.
    """

    model_config = SettingsConfigDict(env_prefix="LINLI_", env_file=None, extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    log_level: str = "INFO"
    log_json: bool = True

    @property
    def is_development(self) -> bool:
        return self.environment in (Environment.DEVELOPMENT, Environment.TEST)


class ServiceSettings(LinliSettings):
    """What a domain service (svc-*) needs: its database, NATS, the gateway's keys, PII keys."""

    service_name: str = "service"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/linli"
    database_pool_size: int = 10
    nats_url: str = "nats://127.0.0.1:4222"
    # The stream is created by whoever starts first; its subjects are fixed by ARCHITECTURE.md.
    nats_stream: str = "LINLI"
    nats_connect_timeout_s: float = 2.0
    # The `.creds` file (user JWT + nkey seed) of this service when NATS runs with decentralised
    # auth (`linli dev up` writes one per service; deploy/nats/README says how in production).
    nats_credentials: str = ""
    # The stream's retention; every service must be given the same values (see linli.common.nats).
    nats_stream_max_age_s: float = DEFAULT_MAX_AGE_S
    nats_stream_max_bytes: int = DEFAULT_MAX_BYTES
    # Where the gateway publishes its public keys; tokens are verified locally against them.
    jwks_url: str = "http://127.0.0.1:8080/.well-known/jwks.json"
    jwt_issuer: str = "linli-gateway"
    jwt_audience: str = "linli"
    # Base64 32-byte keys: AES-256-GCM for ID numbers and phones, HMAC-SHA256 for the blind index.
    pii_key: SecretStr = SecretStr(DEV_PII_KEY)
    pii_index_key: SecretStr = SecretStr(DEV_PII_INDEX_KEY)
    outbox_poll_interval_s: float = 2.0
    # 500 per claim: measured 0.55–0.65 of bare JetStream publishing, against ~0.3 at 100.
    outbox_batch_size: int = 500
    run_outbox_relay: bool = True
    run_consumers: bool = True
    # Durable timers (linli.common.timers): how often each replica looks for due ones.
    run_timers: bool = True
    timer_poll_interval_s: float = 1.0
    # Materials and photos (linli.common.files): a directory, `file:///abs/dir`, or
    # `s3://bucket/prefix` with the standard AWS_* variables; empty: `.linli/files/<service>`.
    files_url: str = ""

    @property
    def files_location(self) -> str:
        return self.files_url or f".linli/files/{self.service_name}"

    @property
    def event_source(self) -> str:
        """CloudEvents `source` of every event this service records (`/linli/residents`)."""
        return f"/linli/{self.service_name}"

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Self:
        if self.is_development:
            return self
        unsafe = [
            name
            for name, value, default in (
                ("LINLI_PII_KEY", self.pii_key.get_secret_value(), DEV_PII_KEY),
                ("LINLI_PII_INDEX_KEY", self.pii_index_key.get_secret_value(), DEV_PII_INDEX_KEY),
            )
            if value == default
        ]
        if unsafe:
            raise ValueError(f"{', '.join(unsafe)} must be set outside development")
        return self


def database_url_for(server_url: str, database: str) -> str:
    """Swap the database name of a server URL: one server, one database per service."""
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


__all__ = [
    "Environment",
    "LinliSettings",
    "ServiceSettings",
    "database_url_for",
]
