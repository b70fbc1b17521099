"""`linli dev up`: embedded servers, databases, migrations, every service and the gateway, supervised."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

from linli.cli.topology import DEPLOYABLES, GATEWAY, ServiceSpec
from linli.common.settings import database_url_for
from linli.infra.databases import ensure_database, migrate
from linli.infra.embedded import (
    EmbeddedPostgres,
    InfraError,
    NatsServer,
    die_with_parent,
    group_alive,
    port_is_free,
    stop_process_group,
)

HOST = "127.0.0.1"
# Not 4222: a system NATS on its standard port must not be mistaken for ours.
DEFAULT_NATS_PORT = 14222
READY_TIMEOUT_S = 90.0

Echo = Callable[[str], None]


def _echo(message: str) -> None:
    print(message, flush=True)


class StackError(RuntimeError):
    """The stack cannot start; the message tells the user what to do."""


def port_env_var(spec: ServiceSpec) -> str:
    """`LINLI_SERVICE_HALL_PORT`: moves one deployable's port."""
    return f"LINLI_{spec.name.upper().replace('-', '_')}_PORT"


@dataclass(frozen=True, slots=True)
class Planned:
    """One deployable and the port it will listen on."""

    spec: ServiceSpec
    port: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def plan_ports(
    *, port_base: int | None = None, environ: Mapping[str, str] | None = None
) -> list[Planned]:
    """Ports from the topology, shifted by `port_base - 8080`, then `LINLI_<SVC>_PORT` overrides."""
    environ = os.environ if environ is None else environ
    shift = 0 if port_base is None else port_base - GATEWAY.port
    planned = []
    for spec in DEPLOYABLES:
        raw = environ.get(port_env_var(spec))
        try:
            port = int(raw) if raw else spec.port + shift
        except ValueError:
            raise StackError(f"{port_env_var(spec)}={raw!r} is not a port number") from None
        planned.append(Planned(spec, port))
    return planned


def nats_port_for(*, port_base: int | None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    if raw := environ.get("LINLI_DEV_NATS_PORT"):
        if not raw.isdigit():
            raise StackError(f"LINLI_DEV_NATS_PORT={raw!r} is not a port number")
        return int(raw)
    return DEFAULT_NATS_PORT + (0 if port_base is None else port_base - GATEWAY.port)


def check_ports_free(planned: list[Planned], *, nats_port: int | None, host: str = HOST) -> None:
    """Refuse to start, naming every taken port, its service and how to move it."""
    problems = []
    for item in planned:
        if not port_is_free(item.port, host):
            problems.append(
                f"  - port {item.port} ({item.spec.name}) is already in use on {host}; "
                f"move it with {port_env_var(item.spec)}=<port>"
            )
    if nats_port is not None and not port_is_free(nats_port, host):
        problems.append(
            f"  - port {nats_port} (NATS) is already in use on {host}; move it with "
            "--nats-port <port> (or LINLI_DEV_NATS_PORT), or use a running NATS via LINLI_NATS_URL"
        )
    if problems:
        raise StackError(
            "cannot start the dev stack, ports are taken:\n"
            + "\n".join(problems)
            + "\nSee what holds a port with `ss -ltnp 'sport = :<port>'`; a previous `linli dev up`"
            " may still run. Or shift every port at once: `linli dev up --port-base 18080`."
        )


def default_state_dir() -> Path:
    from linli.infra.embedded import workspace_root

    with contextlib.suppress(InfraError):
        return workspace_root() / ".linli"
    return Path.cwd() / ".linli"


@dataclass
class DevStack:
    """Everything `linli dev up` runs; `stop()` undoes whatever `start()` got to, in reverse."""

    state_dir: Path
    planned: list[Planned]
    nats_port: int
    database_url: str | None = None  # a server URL; None means embedded PostgreSQL
    nats_url: str | None = None  # None means our own nats-server
    echo: Echo = _echo
    seed: bool = True
    postgres: EmbeddedPostgres | None = None
    nats: NatsServer | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def seed_file(self) -> Path:
        """Written once the demo city is seeded; until then the gateway's /healthz says
        `seeding`, then its `/` lists these accounts (LINLI_DEV_SEED_FILE)."""
        return self.state_dir / "demo-accounts.json"

    def mark_seeded(self, accounts: list[tuple[str, str, str]]) -> None:
        rows = [{"username": u, "password": p, "what": w} for u, p, w in accounts]
        partial = self.seed_file.with_suffix(".tmp")
        partial.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        partial.replace(self.seed_file)  # atomic: the gateway never reads half a file

    @property
    def gateway(self) -> Planned:
        return next(p for p in self.planned if p.spec is GATEWAY)

    def check_ports(self) -> None:
        check_ports_free(self.planned, nats_port=None if self.nats_url else self.nats_port)

    def start_infra(self) -> tuple[str, str]:
        """The PostgreSQL server URL and NATS URL the services will use."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        server_url = self.database_url
        if server_url is None:
            started = time.monotonic()
            self.postgres = EmbeddedPostgres(self.state_dir / "pgdata")
            self.postgres.start()
            server_url = self.postgres.url
            self.echo(f"PostgreSQL (embedded) ready in {time.monotonic() - started:.1f}s")
        nats_url = self.nats_url
        if nats_url is None:
            self.nats = NatsServer(
                self.state_dir / "nats", port=self.nats_port, config_file=self.nats_auth_config()
            )
            self.nats.start()
            nats_url = self.nats.url
            self.echo(f"NATS JetStream ready at {nats_url} (auth on: {self.auth_dir})")
        return server_url, nats_url

    @property
    def auth_dir(self) -> Path:
        return self.state_dir / "nats-auth"

    def nats_auth_config(self) -> Path:
        """Our nats-server runs with decentralised auth, as production does: each service gets
        its own credentials, district systems theirs from `linli district-creds issue`."""
        from linli.cli.district_creds import init_store

        store = init_store(self.auth_dir, resolver_dir=self.state_dir / "nats-jwt")
        config = self.auth_dir / "nats.conf"
        config.write_text(f"include {store.server_config.name}\n")
        return config

    def prepare_databases(self, server_url: str) -> None:
        started = time.monotonic()
        for spec in DEPLOYABLES:
            try:
                url = ensure_database(server_url, spec.database)
                migrate(spec.directory, url)
            except Exception as exc:  # shown to the user as one line, then everything stops
                raise StackError(
                    f"migrating {spec.name} ({spec.database}) failed: {type(exc).__name__}: {exc}"
                ) from exc
        self.echo(f"databases migrated in {time.monotonic() - started:.1f}s")

    def child_env(self, spec: ServiceSpec, server_url: str, nats_url: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            LINLI_DATABASE_URL=database_url_for(server_url, spec.database),
            LINLI_NATS_URL=nats_url,
            LINLI_JWKS_URL=f"{self.gateway.url}/.well-known/jwks.json",
            LINLI_ENVIRONMENT=env.get("LINLI_ENVIRONMENT", "development"),
            # Human-readable lines in the log files; JSON is for production collectors.
            LINLI_LOG_JSON=env.get("LINLI_LOG_JSON", "false"),
        )
        if self.nats is not None and spec is not GATEWAY:
            env["LINLI_NATS_CREDENTIALS"] = str(self.auth_dir / "services" / f"{spec.name}.creds")
        if spec is GATEWAY:
            # Tokens stay valid across restarts: the dev signing key lives with the other state.
            env.setdefault(
                "LINLI_GATEWAY_SIGNING_KEY_FILE", str(self.state_dir / "gateway-signing-key.pem")
            )
            if self.seed and env["LINLI_ENVIRONMENT"] in ("development", "test"):
                env["LINLI_DEV_SEED_FILE"] = str(self.seed_file)
            # The gateway's upstreams follow any port shift (LINLI_UPSTREAM_<SVC>_URL).
            for item in self.planned:
                if item.spec is not GATEWAY:
                    name = item.spec.name.upper().replace("-", "_")
                    env[f"LINLI_UPSTREAM_{name}_URL"] = item.url
        return env

    def start_processes(self, server_url: str, nats_url: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.seed_file.unlink(missing_ok=True)  # this run's seed has not happened yet
        for item in self.planned:
            log_path = self.log_dir / f"{item.spec.name}.log"
            # No access log: it would print query strings (`?id_number=…`) in clear. The
            # gateway's own entry point configures its server (see linli.gateway.__main__).
            command = (
                [sys.executable, "-m", "linli.gateway"]
                if item.spec is GATEWAY
                else [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    item.spec.app_factory,
                    "--no-access-log",
                ]
            )
            with log_path.open("ab") as log:
                self.processes[item.spec.name] = subprocess.Popen(
                    [*command, "--host", HOST, "--port", str(item.port)],
                    env=self.child_env(item.spec, server_url, nats_url),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    # Own session: Ctrl-C reaches only us, and we stop children in order.
                    start_new_session=True,
                    preexec_fn=die_with_parent(),
                )

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Poll every /readyz (the gateway's /healthz) until all answer 200."""
        pending = {item.spec.name: item for item in self.planned}
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for name, item in list(pending.items()):
                    process = self.processes[name]
                    if process.poll() is not None:
                        raise StackError(
                            f"{name} exited with {process.returncode} while starting; "
                            f"its log ({self.log_dir / (name + '.log')}):\n{self._tail(name)}"
                        )
                    path = "/healthz" if item.spec is GATEWAY else "/readyz"
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(item.url + path).status_code == 200:
                            del pending[name]
                if not pending:
                    return
                if time.monotonic() > deadline:
                    names = ", ".join(sorted(pending))
                    raise StackError(
                        f"not ready after {timeout:.0f}s: {names}; see the logs in {self.log_dir}"
                        + "".join(f"\n--- {n} ---\n{self._tail(n)}" for n in sorted(pending))
                    )
                time.sleep(0.2)

    def _tail(self, name: str, lines: int = 20) -> str:
        path = self.log_dir / f"{name}.log"
        with contextlib.suppress(OSError):
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def start(self) -> tuple[str, str]:
        self.check_ports()
        server_url, nats_url = self.start_infra()
        self.prepare_databases(server_url)
        started = time.monotonic()
        self.start_processes(server_url, nats_url)
        self.wait_ready()
        self.echo(f"{len(self.processes)} processes up in {time.monotonic() - started:.1f}s")
        return server_url, nats_url

    def crashed(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def stop(self) -> None:
        # Every child leads its own process group; remember them to prove afterwards none is left.
        groups = [p.pid for p in self.processes.values()]
        groups += [s.pid for s in (self.nats, self.postgres) if s is not None and s.pid is not None]
        # The gateway first, so nothing new arrives while the services drain.
        for name in sorted(self.processes, key=lambda n: n != GATEWAY.name):
            stop_process_group(self.processes[name], timeout=10)
        self.processes.clear()
        if self.nats is not None:
            self.nats.stop()
        if self.postgres is not None:
            self.postgres.stop()
        leftovers = [pgid for pgid in groups if group_alive(pgid)]
        for pgid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        if leftovers:
            self.echo(f"killed stray process groups: {leftovers}")


class _Stop(Exception):
    """SIGTERM arrived: unwind like Ctrl-C does."""


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGINT into an exception so `finally` blocks stop the children.

    SIGINT is set explicitly: a shell that starts `make run &` hands it down ignored, and Python
    then installs no KeyboardInterrupt handler, so Ctrl-C (or `kill -INT`) would do nothing.
    """

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    previous_term = signal.signal(signal.SIGTERM, on_signal)
    previous_int = signal.signal(signal.SIGINT, on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def print_banner(stack: DevStack, echo: Echo, *, accounts: list[tuple[str, str, str]]) -> None:
    gateway = stack.gateway.url
    echo("")
    echo("Linli is running.")
    rows = [
        ("gateway", f"{gateway}/  (start page: links, demo accounts)"),
        ("API docs", f"{gateway}/docs"),
        ("health", f"{gateway}/healthz"),
    ]
    rows += [(item.spec.name, item.url) for item in stack.planned if item.spec is not GATEWAY]
    if stack.nats is not None:
        rows.append(("NATS", stack.nats.url))
    if stack.postgres is not None:
        rows.append(("PostgreSQL", stack.postgres.url))
    rows.append(("logs", f"{stack.log_dir}/<service>.log"))
    for label, value in rows:
        echo(f"  {label:<13} {value}")
    echo("  (clients use the gateway; the services' own ports are there for debugging)")
    if accounts:
        echo("Demo accounts (username / password / role and scope):")
        for username, password, what in accounts:
            echo(f"  {username:<16} {password:<16} {what}")
    echo("Stop with Ctrl-C.")


def run_dev_up(
    *,
    port_base: int | None,
    nats_port: int | None,
    state_dir: Path | None,
    seed: bool,
    echo: Echo = _echo,
) -> int:
    started = time.monotonic()
    try:
        stack = DevStack(
            state_dir=(state_dir or default_state_dir()).resolve(),
            planned=plan_ports(port_base=port_base),
            nats_port=nats_port or nats_port_for(port_base=port_base),
            database_url=os.environ.get("LINLI_DATABASE_URL") or None,
            nats_url=os.environ.get("LINLI_NATS_URL") or None,
            echo=echo,
            seed=seed,
        )
        with stop_signals():
            try:
                server_url, _ = stack.start()
                accounts: list[tuple[str, str, str]] = []
                if seed:
                    from linli.cli.seed import seed_demo_city

                    accounts = seed_demo_city(
                        gateway_url=stack.gateway.url,
                        gateway_database_url=database_url_for(server_url, GATEWAY.database),
                        echo=echo,
                    )
                    stack.mark_seeded(accounts)
                echo(f"ready: stack up in {time.monotonic() - started:.1f}s")
                print_banner(stack, echo, accounts=accounts)
                reported: set[str] = set()
                while True:
                    for name in stack.crashed():
                        if name not in reported:
                            reported.add(name)
                            echo(f"warning: {name} exited; see {stack.log_dir / (name + '.log')}")
                    time.sleep(0.5)
            except (KeyboardInterrupt, _Stop):
                echo("\nstopping…")
            finally:
                # A second Ctrl-C must not cut the clean-up short and leave servers behind.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                stack.stop()
                signal.signal(signal.SIGINT, signal.default_int_handler)
    except (StackError, InfraError) as exc:
        echo(f"linli dev up: {exc}")
        return 1
    echo("stopped; no process left behind.")
    return 0


__all__ = [
    "DEFAULT_NATS_PORT",
    "DevStack",
    "Planned",
    "StackError",
    "check_ports_free",
    "nats_port_for",
    "plan_ports",
    "port_env_var",
    "run_dev_up",
]
