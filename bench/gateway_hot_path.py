"""Benchmark: the gateway's hot path against the same calls made directly and through nginx, side
by side in one run, loaded by an external generator (wrk). Targets (issue 7): gateway ≥ 0.5 × direct
on the trivial request and ≥ 0.85 on the one-row read, ≥ 0.6 × nginx on both, added p99 ≤ 3 ms at
half the gateway's peak.

svc-residents and the gateway run as real uvicorn processes (one worker each, as deployed) on the
embedded PostgreSQL and NATS (or LINLI_TEST_DATABASE_URL / LINLI_TEST_NATS_URL), as
bench/gateway_vs_direct.py starts them; nginx (Debian's `nginx-light` or any nginx on PATH) runs
with one worker, `proxy_pass` to the same upstream over a keep-alive pool, and sets a request id as
the gateway does. wrk (Debian's `wrk`) drives 32 keep-alive connections from 2 threads. Without
wrk the benchmark stops with a message; without nginx its column is left out.

Each case: a warm-up of every target, then `--rounds` rounds of direct, gateway, the bare
Python proxy and nginx in turn; the table gives medians and the spread (min–max). "bare py" is
the floor of any Python proxy here (`bench/bare_proxy.py`: uvicorn, httptools and aiohttp with
nothing of the gateway's own), so what the gateway adds over that floor reads off the same run.
The gateway's CPU time per request is read from /proc during its rounds.

The added latency is measured open-loop (a fixed arrival rate at half the gateway's median peak
on that case) from this process, after a second's warm-up of each client, in one-second slices
of direct, gateway, the bare proxy and nginx in turn (`--seconds` × `--rounds` seconds of each): the
client's own cost and the machine's hiccups fall on all of them and cancel in the difference.

    .venv/bin/python bench/gateway_hot_path.py [--seconds 5] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from linli.infra.databases import create_database, migrate
from linli.infra.embedded import free_port, wait_for_port

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.gateway_vs_direct import COMMUNITY, infrastructure, prepare, uvicorn

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/nginx-body;
    proxy_temp_path {root}/nginx-proxy;
    fastcgi_temp_path {root}/nginx-fastcgi;
    uwsgi_temp_path {root}/nginx-uwsgi;
    scgi_temp_path {root}/nginx-scgi;
    upstream residents {{
        server 127.0.0.1:{upstream};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location /api/residents/ {{
            proxy_pass http://residents/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Request-ID $request_id;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Prefix /api/residents;
        }}
    }}
}}
"""


@contextmanager
def nginx(root: Path, upstream_port: int) -> Iterator[str | None]:
    """nginx in front of the upstream on a free port, or None when nginx is not installed."""
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if binary is None:
        yield None
        return
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=root, upstream=upstream_port, port=port))
    process = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=(root / "nginx-stderr.log").open("wb"),
    )
    try:
        wait_for_port(port, timeout=10)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@dataclass(frozen=True)
class WrkResult:
    rate: float
    p50_ms: float
    p99_ms: float


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> WrkResult:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        raise SystemExit(f"{match.group(1)} non-2xx answers from {url}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    # The distribution's lines, not "90.50%" of the thread stats above them.
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    return WrkResult(rate, p50, p99)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # clock ticks: USER_HZ is 100 on Linux


async def _fire(
    session: aiohttp.ClientSession, url: str, *, rate: float, seconds: float
) -> list[float]:
    """Latencies (ms) of requests sent at a fixed rate, whatever the answers' pace."""
    latencies: list[float] = []

    async def one() -> None:
        started = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
            if response.status != 200:
                raise SystemExit(f"{response.status} from {url}")
        latencies.append((time.perf_counter() - started) * 1000)

    tasks: list[asyncio.Task[None]] = []
    interval = 1 / rate
    begin = time.perf_counter()
    for n in range(int(rate * seconds)):
        delay = begin + n * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return latencies


async def open_loop(
    urls: dict[str, str], headers: dict[str, str], *, rate: float, seconds: float
) -> dict[str, list[float]]:
    """Latencies (ms) per target at a fixed arrival rate: each target's client warmed up for a
    second first (its connections open: otherwise the first burst of connects is the p99),
    then one-second slices of each target in turn, so that the machine's own hiccups fall on
    all of them alike."""
    latencies: dict[str, list[float]] = {name: [] for name in urls}
    # This process is the measuring instrument: its own full collections (a heap of every
    # import) would land as tens of milliseconds on whichever target was being timed.
    gc.collect()
    gc.freeze()
    sessions = {
        name: aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256), headers=headers)
        for name in urls
    }
    try:
        for name, url in urls.items():
            await _fire(sessions[name], url, rate=rate, seconds=1)
        for n in range(max(1, round(seconds))):
            order = list(urls.items()) if n % 2 == 0 else list(urls.items())[::-1]
            for name, url in order:
                latencies[name] += await _fire(sessions[name], url, rate=rate, seconds=1)
    finally:
        for session in sessions.values():
            await session.close()
    return latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):8.0f} ({min(values):.0f}–{max(values):.0f})"


def gateway_pid(port: int) -> int | None:
    """The pid listening on `port` (the gateway's uvicorn), from /proc/net/tcp and fd links."""
    hex_port = f"{port:04X}"
    inodes = {
        line.split()[9]
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
        if line.split()[1].endswith(":" + hex_port) and line.split()[3] == "0A"
    }
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = fd.readlink().as_posix()
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


async def run(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk): nothing measured")
    root = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    try:
        with infrastructure(root) as (pg_url, nats_url):
            gateway_db = create_database(pg_url, "bench_gateway")
            residents_db = create_database(pg_url, "bench_residents")
            migrate("gateway", gateway_db)
            migrate("residents", residents_db)
            gw_port, res_port = free_port(), free_port()
            gateway = f"http://127.0.0.1:{gw_port}"
            direct = f"http://127.0.0.1:{res_port}"
            common = {"LINLI_NATS_URL": nats_url, "LINLI_LOG_LEVEL": args.log_level}
            gateway_env = {
                **common,
                "LINLI_DATABASE_URL": gateway_db,
                "LINLI_GATEWAY_SIGNING_KEY_FILE": str(root / "key.pem"),
                "LINLI_UPSTREAM_RESIDENTS_URL": direct,
                # Lifted, as the issue says, so that the limiter is paid for but never refuses.
                "LINLI_RATE_LIMIT": "100000000/minute",
                "LINLI_RATE_LIMIT_STRATEGY": args.strategy,
            }
            residents_env = {
                **common,
                "LINLI_DATABASE_URL": residents_db,
                "LINLI_JWKS_URL": f"{gateway}/.well-known/jwks.json",
            }
            bare_port = free_port()
            with (
                uvicorn("linli.gateway.app:create_app", gw_port, gateway_env, root / "gw.log"),
                uvicorn(
                    "linli.residents.app:create_app", res_port, residents_env, root / "res.log"
                ),
                uvicorn(
                    "bench.bare_proxy:create_app",
                    bare_port,
                    {"BARE_PROXY_UPSTREAM": direct, "PYTHONPATH": sys.path[0]},
                    root / "bare.log",
                ),
                nginx(root, res_port) as reference,
            ):
                token = await prepare(gateway, gateway_db)
                pid = gateway_pid(gw_port)
                auth = {"Authorization": f"Bearer {token}"}
                proxies = {"gateway": gateway, "bare py": f"http://127.0.0.1:{bare_port}"}
                if reference:
                    proxies["nginx"] = reference
                else:
                    print(
                        "nginx is not installed (Debian: apt-get install nginx-light): its "
                        "column is left out"
                    )
                await report(args, direct, proxies, pid, auth)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def targets_of(targets: dict[str, str], path: str) -> dict[str, str]:
    return {name: base + path for name, base in targets.items()}


async def report(
    args: argparse.Namespace,
    direct: str,
    proxies: dict[str, str],
    pid: int | None,
    auth: dict[str, str],
) -> None:
    cases = [
        ("GET /divisions/{code} (token, scope, one row)", f"/divisions/{COMMUNITY}", auth),
        ("GET /healthz (no work: the proxy's own cost)", "/healthz", {}),
    ]
    targets = {"direct": direct, **{name: url + "/api/residents" for name, url in proxies.items()}}
    print(
        f"wrk -t2 -c{args.connections}, {args.seconds:.0f} s per measurement, {args.rounds} "
        f"rounds after a warm-up; rate limiter {args.strategy}; log level {args.log_level}; "
        "median (min–max) req/s\n"
    )
    others = [name for name in targets if name not in ("direct", "gateway")]
    ratios = ["gw/direct", *(f"gw/{name}" for name in others)]
    header = f"{'request':48} " + " ".join(f"{name:>18}" for name in targets)
    print(header + "".join(f" {r:>10}" for r in ratios) + f" {'gw CPU/req':>10}")
    peaks: dict[str, float] = {}
    for label, path, headers in cases:
        for base in targets.values():
            wrk(base + path, headers, seconds=2, connections=args.connections)
        rates: dict[str, list[float]] = {name: [] for name in targets}
        cpu = 0.0
        gateway_requests = 0.0
        for _ in range(args.rounds):
            for name, base in targets.items():
                before = cpu_seconds(pid) if name == "gateway" and pid else 0.0
                result = wrk(
                    base + path, headers, seconds=args.seconds, connections=args.connections
                )
                if name == "gateway" and pid:
                    cpu += cpu_seconds(pid) - before
                    gateway_requests += result.rate * args.seconds
                rates[name].append(result.rate)
        medians = {name: statistics.median(values) for name, values in rates.items()}
        peaks[path] = medians["gateway"]
        per_request = f"{cpu / gateway_requests * 1000:7.2f} ms" if gateway_requests else "–"
        print(
            f"{label:48} "
            + " ".join(f"{spread(values):>18}" for values in rates.values())
            + "".join(
                f" {medians['gateway'] / medians[name]:10.2f}" for name in ["direct", *others]
            )
            + f" {per_request:>10}"
        )
    print("\nadded latency at half the gateway's peak (open loop from this process, ms)")
    latency_of = [name for name in targets if name != "direct"]
    print(
        f"{'request':48} {'rate/s':>7} {'direct p50/p99':>15}"
        + "".join(f" {name + ' p50/p99':>17} {'added':>12}" for name in latency_of)
    )
    for label, path, headers in cases:
        rate = peaks[path] / 2
        measured = await open_loop(
            targets_of(targets, path),
            headers,
            rate=rate,
            seconds=args.seconds * args.rounds,
        )
        d50, d99 = percentile(measured["direct"], 50), percentile(measured["direct"], 99)
        line = f"{label:48} {rate:7.0f} {d50:7.2f}/{d99:<7.2f}"
        for name in latency_of:
            p50, p99 = percentile(measured[name], 50), percentile(measured[name], 99)
            line += f" {p50:8.2f}/{p99:<8.2f} {p50 - d50:5.2f}/{p99 - d99:<6.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--strategy",
        default="sliding-window-counter",
        help="the gateway's LINLI_RATE_LIMIT_STRATEGY (moving-window, sliding-window-counter, …)",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        help="LINLI_LOG_LEVEL of the gateway and the service: WARNING (default) measures the "
        "proxy without its request line; INFO (as deployed) writes one line per request",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
