"""A real nats-server with Linli's decentralised auth on (as `linli dev up` runs it), its auth
store, a service's connection with full rights, and district clients that record what the
server refuses."""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType

import nats
import pytest
from nats.aio.client import Client, RawCredentials

from linli.cli.district_creds import init_store
from linli.common.nats import ensure_stream
from linli.infra.embedded import NatsServer, workspace_root
from linli.infra.nats_auth import AuthStore, inbox_prefix


@dataclass
class AuthNats:
    server: NatsServer
    store: AuthStore

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def auth_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthNats]:
    root = tmp_path_factory.mktemp("auth-nats")
    store = init_store(root / "auth", resolver_dir=root / "jwt")
    config = store.dir / "nats.conf"
    config.write_text("include auth.conf\n")
    with NatsServer(root / "store", config_file=config) as server:
        yield AuthNats(server, store)


@pytest.fixture
async def service_nc(auth_nats: AuthNats) -> AsyncIterator[Client]:
    """The grid service's own connection (full rights), with the stream made empty."""
    nc = await nats.connect(
        auth_nats.url, user_credentials=str(auth_nats.store.service_creds("grid"))
    )
    js = nc.jetstream()
    await ensure_stream(js)
    await js.purge_stream("LINLI")
    yield nc
    await nc.close()


@dataclass
class DistrictClient:
    nc: Client
    name: str
    errors: list[str] = field(default_factory=list)

    async def violation(self) -> str:
        """The next error the server sent, e.g. `permissions violation for subscription to …`."""
        deadline = asyncio.get_running_loop().time() + 2.0
        while not self.errors:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the server reported no error")
            await asyncio.sleep(0.02)
        return self.errors.pop(0)


ConnectDistrict = Callable[[str, str], Awaitable[DistrictClient]]


@pytest.fixture
async def connect_district(auth_nats: AuthNats) -> AsyncIterator[ConnectDistrict]:
    """Connect as a district system with the `.creds` text it was issued."""
    clients: list[DistrictClient] = []

    async def connect(creds: str, name: str) -> DistrictClient:
        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc))

        nc = await nats.connect(
            auth_nats.url,
            user_credentials=RawCredentials(creds),
            inbox_prefix=inbox_prefix(name),
            error_cb=on_error,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.1,
        )
        client = DistrictClient(nc, name, errors)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        if not client.nc.is_closed:
            await client.nc.close()


@pytest.fixture(scope="module")
def unique() -> Callable[[str], str]:
    """Credential names are unique per store, and the store lives for the module."""
    counter = itertools.count()
    return lambda prefix: f"{prefix}-{next(counter)}"


@pytest.fixture(scope="session")
def district_tally() -> ModuleType:
    """examples/district-tally/district_tally.py, loaded as the district's engineers run it."""
    path = workspace_root() / "examples" / "district-tally" / "district_tally.py"
    spec = importlib.util.spec_from_file_location("district_tally", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["district_tally"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module
