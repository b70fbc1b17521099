"""Create, drop and migrate one deployable's database on a server: for tests and for `linli`."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from linli.common.settings import database_url_for
from linli.infra.embedded import workspace_root

T = TypeVar("T")

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _run_blocking(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even when an event loop already runs here.

    These helpers are called from sync fixtures, async fixtures and the CLI alike; a worker thread
    with its own loop serves all three (Alembic's async env.py calls asyncio.run itself).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, factory()).result()


def _quoted(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"database names are lower-case identifiers, got {name!r}")
    return f'"{name}"'


async def _admin(server_url: str, *statements: str) -> None:
    # AUTOCOMMIT: CREATE/DROP DATABASE refuse to run inside a transaction block.
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def _exists(server_url: str, name: str) -> bool:
    engine = create_async_engine(server_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            return found is not None
    finally:
        await engine.dispose()


def create_database(server_url: str, name: str) -> str:
    """Drop `name` if it exists (closing its connections), create it empty, return its URL."""
    quoted = _quoted(name)
    _run_blocking(
        lambda: _admin(
            server_url,
            f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)",
            f"CREATE DATABASE {quoted}",
        )
    )
    return database_url_for(server_url, name)


def ensure_database(server_url: str, name: str) -> str:
    """Create `name` unless it exists; keep its data. Returns its URL."""
    quoted = _quoted(name)

    async def ensure() -> None:
        if not await _exists(server_url, name):
            await _admin(server_url, f"CREATE DATABASE {quoted}")

    _run_blocking(ensure)
    return database_url_for(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    quoted = _quoted(name)
    _run_blocking(lambda: _admin(server_url, f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))


def deployable_dir(service: str | Path) -> Path:
    """A deployable's folder from its name (`grid`, `jobs_coop`, `svc-grid`, `gateway`) or a path.

    By the workspace's layout (`svc-<name>/`, `gateway/`), so the kit needs no table of services.
    """
    if isinstance(service, str):
        root = workspace_root()
        name = service.replace("_", "-")
        for folder in (root / name, root / f"svc-{name}"):
            if (folder / "alembic.ini").is_file():
                return folder
    return Path(service).resolve()


def alembic_config(service: str | Path, database_url: str) -> Any:
    """The deployable's Alembic config, pointed at `database_url` whatever the current directory."""
    from alembic.config import Config

    folder = deployable_dir(service)
    ini = folder / "alembic.ini"
    if not ini.is_file():
        raise FileNotFoundError(
            f"{ini} does not exist: every deployable keeps its alembic.ini there"
        )
    config = Config(str(ini))
    config.set_main_option("script_location", str(folder / "migrations"))
    # ConfigParser interpolates "%", which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def migrate(service: str | Path, database_url: str, *, revision: str = "head") -> None:
    """Run the deployable's Alembic migrations (`upgrade head`) against `database_url`."""
    from alembic import command

    config = alembic_config(service, database_url)

    # An async env.py calls asyncio.run itself, so Alembic gets a thread where no loop runs.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, config, revision).result()
