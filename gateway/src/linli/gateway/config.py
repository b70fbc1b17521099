"""Gateway settings: its own database, the upstreams, the signing key, token lifetimes, limits."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from linli.common.settings import LinliSettings

# Where the gateway listens and what it owns by default.
PORT = 8080
DATABASE = "linli_gateway"
# Where each service listens by default, by its `/api/<service>` name: the gateway's default
# upstreams, and the ports `linli dev up` starts the services on (`linli.cli.topology`).
UPSTREAM_PORTS: dict[str, int] = {
    "residents": 8101,
    "service-hall": 8102,
    "grid": 8103,
    "funds": 8104,
    "jobs-coop": 8105,
}

# Public paths outside `/api` that a service answers under its own name, because a standard fixes
# the URL its clients call: Open311 GeoReport v2 apps are configured with one endpoint root.
PUBLIC_PATHS: dict[str, str] = {"/open311/v2": "grid"}


def _default_database_url() -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"


class GatewaySettings(LinliSettings):
    """Read from `LINLI_*` environment variables (one deployable per process, see LinliSettings)."""

    service_name: str = "gateway"
    database_url: str = Field(default_factory=_default_database_url)
    database_pool_size: int = 10

    # Upstreams: UPSTREAM_PORTS on this host, then the per-service variables, then the `LINLI_UPSTREAMS`
    # JSON object ({"residents": "http://..."}), which wins.
    upstream_residents_url: str | None = None
    upstream_service_hall_url: str | None = None
    upstream_grid_url: str | None = None
    upstream_funds_url: str | None = None
    upstream_jobs_coop_url: str | None = None
    upstreams: dict[str, str] = Field(default_factory=dict)
    upstream_connect_timeout_s: float = 2.0
    upstream_read_timeout_s: float = 60.0
    upstream_max_connections: int = 512
    # Idle pooled connections are dropped after this: below uvicorn's `--timeout-keep-alive`
    # (5 s), so the upstream never closes one just as the gateway reuses it.
    upstream_keepalive_s: float = 4.0
    health_timeout_s: float = 1.0
    # The statistics report asks every service for every unit at once; each call gets this long
    # (the report makes two rounds: the units below, then their figures), and at most this many
    # calls of one report are in flight.
    stats_timeout_s: float = Field(default=0.4, gt=0, le=30)
    stats_concurrency: int = Field(default=64, ge=1, le=512)
    openapi_cache_s: float = 30.0

    # Ed25519 private key, PEM. Development falls back to a key generated once into the file, so
    # tokens survive restarts; anywhere else the gateway refuses to start without it.
    gateway_signing_key: SecretStr | None = None
    gateway_signing_key_file: Path = Path(".linli/gateway-signing-key.pem")
    jwt_issuer: str = "linli-gateway"
    jwt_audience: str = "linli"
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600

    # Per principal (token subject), or per client IP for anonymous callers; `limits` notation.
    rate_limit: str = "120/minute"
    rate_limit_enabled: bool = True
    rate_limit_strategy: Literal["moving-window", "sliding-window-counter", "fixed-window"] = (
        "moving-window"
    )
    # Paths no budget applies to: a payment provider's confirmations come from a few addresses,
    # in bursts, and a refused one is a donation posted late. The service verifies each one's
    # signature before any work, so the limiter would protect nothing there.
    rate_limit_exempt_paths: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["/api/funds/donations/callbacks/"]
    )
    # e.g. redis://redis:6379/0 so several gateway replicas share one budget; memory when unset.
    redis_url: str | None = None

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Failed logins are counted per account *and* source address: five from one address lock
    # that address out of that account for up to 15 minutes, and nobody else.
    login_max_failures: int = 5
    login_lockout_s: int = 15 * 60

    # Addresses or networks (`10.0.0.0/8`) of the proxies in front of the gateway: only from
    # these is `X-Forwarded-For` believed (rate limits, login lockout). Empty: from nobody.
    gateway_trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Request heads beyond these are refused with 431. The server itself (see __main__) stops
    # reading at twice `max_header_bytes`, so a huge head is never buffered whole.
    max_header_bytes: int = Field(default=32 * 1024, ge=1024)
    max_header_count: int = Field(default=100, ge=10)

    # The dev identity provider accepts any `dev:<openid>`: on by default only in development.
    dev_identity_provider: bool | None = None

    # `linli dev up` writes this file (the demo accounts, JSON) once the demo city is seeded:
    # until then /healthz says `seeding`; then `/` lists the accounts. Development only.
    dev_seed_file: Path | None = None

    @field_validator(
        "cors_origins", "gateway_trusted_proxies", "rate_limit_exempt_paths", mode="before"
    )
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        # Ops write `LINLI_CORS_ORIGINS=https://a.example,https://b.example`; JSON lists work too.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [o.strip() for o in text.split(",") if o.strip()]
        return value

    @field_validator("gateway_trusted_proxies")
    @classmethod
    def _check_networks(cls, value: list[str]) -> list[str]:
        # uvicorn's matcher would treat a typo as a literal host name that never matches: refuse.
        networks = []
        for entry in value:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {entry!r}") from None
            networks.append(str(network) if network.num_addresses > 1 else str(network[0]))
        return networks

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Self:
        if self.is_development:
            return self
        if self.gateway_signing_key is None:
            raise ValueError("LINLI_GATEWAY_SIGNING_KEY must be set outside development")
        if self.dev_identity_provider:
            raise ValueError("LINLI_DEV_IDENTITY_PROVIDER accepts any login: development only")
        if self.dev_seed_file is not None:
            raise ValueError("LINLI_DEV_SEED_FILE shows demo passwords: development only")
        return self

    @property
    def dev_identity_provider_enabled(self) -> bool:
        if self.dev_identity_provider is None:
            return self.is_development
        return self.dev_identity_provider

    @property
    def upstream_urls(self) -> dict[str, str]:
        """Base URL of every service, by its `/api/<service>` name, without a trailing slash."""
        urls = {name: f"http://127.0.0.1:{port}" for name, port in UPSTREAM_PORTS.items()}
        for name in UPSTREAM_PORTS:
            override = getattr(self, f"upstream_{name.replace('-', '_')}_url", None)
            if override:
                urls[name] = override
        urls.update(self.upstreams)
        return {name: url.rstrip("/") for name, url in urls.items()}
