"""`linli dev up`: port planning, the taken-port message, and a whole-stack start and stop."""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from linli.cli.seed import DEMO_PASSWORD
from linli.cli.stack import (
    DEFAULT_NATS_PORT,
    DevStack,
    StackError,
    check_ports_free,
    nats_port_for,
    plan_ports,
    port_env_var,
)
from linli.cli.topology import DEPLOYABLES, GATEWAY, service
from linli.infra.embedded import port_is_free, workspace_root

LINLI = str(Path(sys.executable).with_name("linli"))


@pytest.fixture
def listener() -> Iterator[int]:
    """A port something really listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _free_port_base() -> int:
    """A gateway port whose whole shifted block (services, NATS) is free on this machine."""
    for _ in range(50):
        base = random.randrange(20000, 40000)
        ports = [p.port for p in plan_ports(port_base=base, environ={})]
        ports.append(nats_port_for(port_base=base, environ={}))
        if all(port_is_free(port) for port in ports):
            return base
    raise RuntimeError("no free port block found")


def test_ports_come_from_the_topology_and_shift_together() -> None:
    planned = {p.spec.name: p.port for p in plan_ports(environ={})}
    assert planned == {spec.name: spec.port for spec in DEPLOYABLES}

    shifted = {p.spec.name: p.port for p in plan_ports(port_base=18080, environ={})}
    assert shifted["gateway"] == 18080
    assert shifted["residents"] == 18101
    assert nats_port_for(port_base=None, environ={}) == DEFAULT_NATS_PORT
    assert nats_port_for(port_base=18080, environ={}) == DEFAULT_NATS_PORT + 10000


def test_one_port_moves_by_its_variable() -> None:
    hall = service("service-hall")
    assert port_env_var(hall) == "LINLI_SERVICE_HALL_PORT"
    planned = {p.spec.name: p.port for p in plan_ports(environ={"LINLI_SERVICE_HALL_PORT": "9102"})}
    assert planned["service-hall"] == 9102
    assert planned["gateway"] == GATEWAY.port

    with pytest.raises(StackError, match="LINLI_GRID_PORT='x' is not a port number"):
        plan_ports(environ={"LINLI_GRID_PORT": "x"})


def test_a_taken_port_is_named_with_its_service_and_the_way_out(listener: int) -> None:
    base = _free_port_base()
    planned = plan_ports(port_base=base, environ={"LINLI_RESIDENTS_PORT": str(listener)})
    with pytest.raises(StackError) as caught:
        check_ports_free(planned, nats_port=None)
    message = str(caught.value)
    assert f"port {listener} (residents) is already in use" in message
    assert "LINLI_RESIDENTS_PORT=<port>" in message
    assert "--port-base" in message
    # Only the taken port is listed.
    assert "(gateway)" not in message


def test_a_taken_nats_port_is_named(listener: int) -> None:
    planned = plan_ports(port_base=_free_port_base(), environ={})
    with pytest.raises(StackError, match=rf"port {listener} \(NATS\) is already in use"):
        check_ports_free(planned, nats_port=listener)


def test_dev_up_refuses_to_start_on_a_taken_port(listener: int, tmp_path: Path) -> None:
    env = dict(os.environ, LINLI_GATEWAY_PORT=str(listener))
    env.pop("LINLI_DATABASE_URL", None)
    env.pop("LINLI_NATS_URL", None)
    result = subprocess.run(
        [LINLI, "--state-dir", str(tmp_path), "dev", "up", "--port-base", str(_free_port_base())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert f"port {listener} (gateway) is already in use" in result.stdout
    # It stopped before starting anything.
    assert not (tmp_path / "pgdata").exists()


def _descendants(root: int) -> set[int]:
    """Every process below `root`, from /proc (children run in their own sessions)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 is the parent pid; the command name (field 2) may contain spaces.
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                found.append(f"{entry.name}: {cmdline}")
    return found


_MISSING_APPS = [
    spec.app_factory
    for spec in DEPLOYABLES
    if importlib.util.find_spec(f"linli.{spec.package}.app") is None
]


@pytest.mark.stack
@pytest.mark.timeout(300)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.skipif(bool(_MISSING_APPS), reason=f"not written yet: {_MISSING_APPS}")
def test_dev_up_serves_then_leaves_no_process_behind(tmp_path: Path) -> None:
    base = _free_port_base()
    state = tmp_path / "state"
    env = dict(os.environ)
    for name in ("LINLI_DATABASE_URL", "LINLI_NATS_URL", *(port_env_var(s) for s in DEPLOYABLES)):
        env.pop(name, None)
    started = time.monotonic()
    stack = subprocess.Popen(
        [LINLI, "--state-dir", str(state), "dev", "up", "--port-base", str(base)],
        cwd=workspace_root(),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    assert stack.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(stack.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while not any("Stop with Ctrl-C" in line for line in lines):
            assert stack.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        print(f"stack ready {time.monotonic() - started:.1f}s after `linli dev up`")
        health = httpx.get(f"http://127.0.0.1:{base}/healthz", timeout=5)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"  # not `seeding`: the banner came after the seed
        home = httpx.get(f"http://127.0.0.1:{base}/", timeout=5)
        assert "city.admin" in home.text and DEMO_PASSWORD in home.text
        docs = httpx.get(f"http://127.0.0.1:{base}/docs", timeout=5)
        assert httpx.get(f"http://127.0.0.1:{base}/docs-assets/swagger-ui.css").status_code == 200
        assert "/docs-assets/swagger-ui-bundle.js" in docs.text
        upstreams = health.json()["upstreams"]
        assert {name: u["status"] for name, u in upstreams.items()} == {
            spec.name: "ok" for spec in DEPLOYABLES if spec is not GATEWAY
        }
        # NATS runs with auth on, as in production: a client without credentials is refused.
        nats_port = nats_port_for(port_base=base, environ={})
        with socket.create_connection(("127.0.0.1", nats_port), timeout=5) as conn:
            assert conn.recv(4096).startswith(b"INFO")
            conn.sendall(b'CONNECT {"verbose":false}\r\nPING\r\n')
            assert b"Authorization Violation" in conn.recv(4096)
        # The demo city is there to look at: its residents came through the gateway's import.
        login = httpx.post(
            f"http://127.0.0.1:{base}/auth/staff/login",
            json={"username": "city.admin", "password": DEMO_PASSWORD},
            timeout=10,
        )
        stats = httpx.get(
            f"http://127.0.0.1:{base}/api/residents/stats",
            params={"division": "3301"},
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
            timeout=10,
        )
        assert stats.status_code == 200, stats.text
        assert stats.json()["population"] > 1000
        assert stats.json()["tags"]["living_alone"] > 0
        children = _descendants(stack.pid)
        assert len(children) >= len(DEPLOYABLES) + 2  # + postgres and nats-server

        stack.send_signal(signal.SIGINT)
        stack.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait()
    output = "".join(lines)
    assert stack.returncode == 0, output
    for log in (state / "logs").glob("*.log"):
        assert "\x1b[" not in log.read_text(errors="replace"), log.name  # no colour codes
    assert "Linli is running." in output
    assert "demo service hall (西兴街道): ok (1 hall, 16 items, 3 bundles" in output, output
    assert (
        "demo directives (滨江区 → its communities): ok (开展高层住宅消防安全隐患排查: 6 communities, 2 signed, 1 completed"
        in output
    ), output
    assert (
        "demo elder college, activities and volunteering (东冠社区): ok (1 term, 20 courses"
        in output
    ), output
    assert "demo daily life (appointments, canteen): ok (免费法律咨询: " in output, output
    assert "stopped; no process left behind." in output
    assert [pid for pid in children if _alive(pid)] == []
    assert _processes_mentioning(str(state)) == []
    assert port_is_free(base)


def test_the_gateway_learns_when_the_demo_city_is_seeded(tmp_path: Path) -> None:
    from linli.gateway.config import GatewaySettings
    from linli.gateway.landing import demo_accounts

    stack = DevStack(state_dir=tmp_path, planned=plan_ports(environ={}), nats_port=1)
    env = stack.child_env(GATEWAY, "postgresql://x@127.0.0.1:1", "nats://127.0.0.1:1")
    unseeded = DevStack(state_dir=tmp_path, planned=plan_ports(environ={}), nats_port=1, seed=False)
    settings = GatewaySettings(dev_seed_file=Path(env["LINLI_DEV_SEED_FILE"]))

    before = demo_accounts(settings)
    stack.mark_seeded([("city.admin", DEMO_PASSWORD, "city_admin of 3301 杭州市")])

    assert before is None  # /healthz says `seeding` meanwhile
    assert demo_accounts(settings) == [
        {"username": "city.admin", "password": DEMO_PASSWORD, "what": "city_admin of 3301 杭州市"}
    ]
    no_seed_env = unseeded.child_env(GATEWAY, "postgresql://x@127.0.0.1:1", "nats://127.0.0.1:1")
    assert "LINLI_DEV_SEED_FILE" not in no_seed_env
