"""Gateway settings: upstream overrides, CORS lists, and refusing unsafe defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from linli.common.settings import Environment
from linli.gateway.auth.tokens import TokenSigner, load_signing_key
from linli.gateway.config import GatewaySettings


def test_upstreams_default_to_the_topology_and_env_overrides_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINLI_UPSTREAM_RESIDENTS_URL", "http://residents:8000/")
    monkeypatch.setenv("LINLI_UPSTREAMS", '{"grid": "http://grid:8000"}')

    urls = GatewaySettings().upstream_urls

    assert urls["residents"] == "http://residents:8000"
    assert urls["grid"] == "http://grid:8000"
    assert urls["service-hall"] == "http://127.0.0.1:8102"
    assert urls["jobs-coop"] == "http://127.0.0.1:8105"


def test_database_defaults_to_the_gateway_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINLI_DATABASE_URL", raising=False)

    assert GatewaySettings().database_url.endswith("/linli_gateway")


def test_cors_origins_accept_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_CORS_ORIGINS", "https://a.example, https://b.example")

    assert GatewaySettings().cors_origins == ["https://a.example", "https://b.example"]


def test_production_refuses_to_start_without_a_signing_key() -> None:
    with pytest.raises(ValidationError, match="LINLI_GATEWAY_SIGNING_KEY"):
        GatewaySettings(environment=Environment.PRODUCTION)


def test_production_refuses_the_dev_identity_provider(signing_key_pem: str) -> None:
    with pytest.raises(ValidationError, match="DEV_IDENTITY_PROVIDER"):
        GatewaySettings(
            environment=Environment.PRODUCTION,
            gateway_signing_key=signing_key_pem,
            dev_identity_provider=True,
        )
    settings = GatewaySettings(
        environment=Environment.PRODUCTION,
        gateway_signing_key=signing_key_pem,
    )
    assert not settings.dev_identity_provider_enabled


def test_development_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "gateway.pem"
    settings = GatewaySettings(gateway_signing_key_file=key_file)

    first = TokenSigner(load_signing_key(settings), issuer="i", audience="a")
    second = TokenSigner(load_signing_key(settings), issuer="i", audience="a")

    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.kid == second.kid


def test_trusted_proxies_are_empty_by_default_and_refuse_non_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINLI_GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7")
    assert GatewaySettings().gateway_trusted_proxies == ["10.0.0.0/8", "192.168.1.7"]
    monkeypatch.delenv("LINLI_GATEWAY_TRUSTED_PROXIES")
    assert GatewaySettings().gateway_trusted_proxies == []

    with pytest.raises(ValidationError, match="not an IP address or network"):
        GatewaySettings(gateway_trusted_proxies=["proxy.internal"])
