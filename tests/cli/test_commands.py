"""`linli migrate` and `linli users create` against the test PostgreSQL server."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from linli.cli.main import gateway_database_url, main
from linli.common.settings import database_url_for
from linli.testing import create_database, migrate


async def _scalar(url: str, query: str) -> object:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text(query))
    finally:
        await engine.dispose()


def test_migrate_one_service_on_the_configured_server(
    pg_server_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINLI_DATABASE_URL", pg_server_url)
    assert main(["migrate", "--service", "funds"]) == 0
    assert "funds: linli_funds at head" in capsys.readouterr().out
    url = database_url_for(pg_server_url, "linli_funds")
    version = asyncio.run(_scalar(url, "SELECT version_num FROM alembic_version"))
    assert isinstance(version, str) and version
    # Running it again changes nothing and succeeds.
    assert main(["migrate", "--service", "funds"]) == 0


def test_migrate_names_the_services_it_knows() -> None:
    with pytest.raises(SystemExit, match="unknown service 'nope'; one of: gateway, residents"):
        main(["migrate", "--service", "nope"])


def test_users_create_writes_a_staff_account(
    pg_server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = create_database(pg_server_url, "cli_gateway")
    migrate("gateway", url)
    args = ["users", "create", "--username", "Wang.Li", "--password", "a-long-password"]
    args += ["--role", "community_worker", "--role", "grid_worker", "--scope", "330108001001"]
    args += ["--grid", "330108001001-01", "--database-url", url]
    assert main(args) == 0
    assert "created staff account Wang.Li" in capsys.readouterr().out
    roles = asyncio.run(
        _scalar(
            url, "SELECT array_to_string(roles, ',') FROM staff_accounts WHERE username = 'wang.li'"
        )
    )
    assert roles == "community_worker,grid_worker"

    # The same username again: refused with the field named, exit code 2.
    assert main(args) == 2
    assert "username" in capsys.readouterr().err


def test_users_create_refuses_an_unknown_role() -> None:
    args = ["users", "create", "--username", "x", "--password", "y" * 10, "--role", "mayor"]
    args += ["--scope", "3301", "--database-url", "postgresql+asyncpg://unused/x"]
    with pytest.raises(SystemExit, match="'mayor' is not a valid Role"):
        main(args)


def test_users_find_the_gateway_database_from_either_kind_of_url() -> None:
    server = "postgresql+asyncpg://postgres@/postgres?host=/tmp/pg"
    assert gateway_database_url(server) == database_url_for(server, "linli_gateway")
    own = "postgresql+asyncpg://u:p@db:5432/gateway_prod"
    assert gateway_database_url(own) == own
