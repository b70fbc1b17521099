"""Benchmark: the service side of the hot path (issue 7), an authenticated one-row read of
svc-residents against its trivial `/healthz`, called directly with wrk, and optionally the same
against a baseline copy of the code (another tree's sources) side by side in one run.

svc-residents runs as a real uvicorn process (one worker, as deployed, `--no-access-log`) on the
embedded PostgreSQL and NATS; the gateway runs beside it only to sign the token, publish the
JWKS and seed the division tree (it is not on the measured path). With `--baseline-src DIR` (a checkout of the tree to
compare with, e.g. `git worktree add /tmp/base <commit>`), a second svc-residents process runs on
the same database with `PYTHONPATH` pointing at DIR's `linli-common` and `svc-residents` sources;
rounds alternate between the two so that the machine's load falls on both alike.

Each case: a warm-up, then `--rounds` rounds; medians and spread (min–max) of req/s, and the
residents process's CPU per request read from /proc (what a deployment pays per read).
`--profile-seconds N` then records the current code under wrk with py-spy (`--py-spy PATH`),
printing the top functions by own and total samples.

    .venv/bin/python bench/residents_hot_path.py [--seconds 5] [--rounds 3] [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from linli.infra.databases import create_database, migrate
from linli.infra.embedded import free_port

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.gateway_hot_path import cpu_seconds, gateway_pid, spread
from bench.gateway_vs_direct import COMMUNITY, infrastructure, prepare, uvicorn


def wrk(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> float:
    """Requests per second of wrk (2 threads, keep-alive) on `url`; every answer must be 2xx."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        raise SystemExit(f"{match.group(1)} non-2xx answers from {url}:\n{output}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None:
        raise SystemExit(f"no rate in wrk's output for {url}:\n{output}")
    return float(found.group(1))


def baseline_pythonpath(tree: Path) -> str:
    """The baseline's sources ahead of this tree's editable installs (namespace `linli`)."""
    return os.pathsep.join(
        str(tree / part) for part in ("libs/linli-common/src", "svc-residents/src")
    )


def profile(py_spy: str, pid: int, url: str, headers: dict[str, str], seconds: int) -> None:
    """py-spy under wrk; prints the functions holding the most samples (own, and total)."""
    out = Path(tempfile.mkdtemp(prefix="linli-spy-")) / "profile.txt"
    spy = subprocess.Popen(
        [
            py_spy,
            "record",
            "-p",
            str(pid),
            "-d",
            str(seconds),
            "-r",
            "250",
            "-f",
            "raw",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wrk(url, headers, seconds=seconds + 1, connections=32)
    spy.wait(60)
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in out.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        samples += count
        frames = stack.split(";")
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    print(f"\npy-spy, {samples} samples of the one-row read (own time, top 25)")
    for frame, count in own.most_common(25):
        print(f"{count / samples:6.1%}  {frame}")
    print("\n(total time incl. callees, top 40)")
    for frame, count in total.most_common(40):
        print(f"{count / samples:6.1%}  {frame}")


async def run(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk): nothing measured")
    root = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    try:
        with infrastructure(root) as (pg_url, nats_url), ExitStack() as stack:
            gateway_db = create_database(pg_url, "bench_gateway")
            residents_db = create_database(pg_url, "bench_residents")
            migrate("gateway", gateway_db)
            migrate("residents", residents_db)
            gw_port, current_port = free_port(), free_port()
            gateway = f"http://127.0.0.1:{gw_port}"
            common = {"LINLI_NATS_URL": nats_url, "LINLI_LOG_LEVEL": args.log_level}
            stack.enter_context(
                uvicorn(
                    "linli.gateway.app:create_app",
                    gw_port,
                    {
                        **common,
                        "LINLI_DATABASE_URL": gateway_db,
                        "LINLI_GATEWAY_SIGNING_KEY_FILE": str(root / "key.pem"),
                        "LINLI_UPSTREAM_RESIDENTS_URL": f"http://127.0.0.1:{current_port}",
                        "LINLI_RATE_LIMIT": "100000000/minute",
                    },
                    root / "gw.log",
                )
            )
            residents_env = {
                **common,
                "LINLI_DATABASE_URL": residents_db,
                "LINLI_JWKS_URL": f"{gateway}/.well-known/jwks.json",
            }
            versions: dict[str, int] = {}
            if args.baseline_src:
                port = free_port()
                env = {**residents_env, "PYTHONPATH": baseline_pythonpath(args.baseline_src)}
                stack.enter_context(
                    uvicorn("linli.residents.app:create_app", port, env, root / "base.log")
                )
                versions["baseline"] = port
            stack.enter_context(
                uvicorn(
                    "linli.residents.app:create_app", current_port, residents_env, root / "res.log"
                )
            )
            versions["current"] = current_port
            # The division tree is imported through the gateway, into the current process.
            token = await prepare(gateway, gateway_db)
            auth = {"Authorization": f"Bearer {token}"}
            pids = {name: gateway_pid(port) for name, port in versions.items()}
            report(args, versions, pids, auth)
            if args.profile_seconds:
                pid = pids["current"]
                assert pid is not None
                url = f"http://127.0.0.1:{versions['current']}/divisions/{COMMUNITY}"
                profile(args.py_spy, pid, url, auth, args.profile_seconds)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(
    args: argparse.Namespace,
    versions: dict[str, int],
    pids: dict[str, int | None],
    auth: dict[str, str],
) -> None:
    cases = [
        ("GET /divisions/{code} (token, scope, one row)", f"/divisions/{COMMUNITY}", auth),
        ("GET /healthz (no work)", "/healthz", {}),
    ]
    print(
        f"wrk -t2 -c{args.connections}, {args.seconds:.0f} s per measurement, {args.rounds} rounds "
        f"after a warm-up, log level {args.log_level}; median (min–max) req/s, CPU ms per request\n"
    )
    names = list(versions)
    header = f"{'request':46} " + " ".join(f"{name:>24}" for name in names)
    if "baseline" in versions:
        header += f" {'current/baseline':>16}"
    print(header)
    for label, path, headers in cases:
        for port in versions.values():
            wrk(f"http://127.0.0.1:{port}{path}", headers, seconds=2, connections=args.connections)
        rates: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, float] = dict.fromkeys(names, 0.0)
        served: dict[str, float] = dict.fromkeys(names, 0.0)
        for _ in range(args.rounds):
            for name, port in versions.items():
                pid = pids[name]
                before = cpu_seconds(pid) if pid else 0.0
                result = wrk(
                    f"http://127.0.0.1:{port}{path}",
                    headers,
                    seconds=args.seconds,
                    connections=args.connections,
                )
                if pid:
                    cpu[name] += cpu_seconds(pid) - before
                    served[name] += result * args.seconds
                rates[name].append(result)
        cells = []
        for name in names:
            per_request = cpu[name] / served[name] * 1000 if served[name] else float("nan")
            cells.append(f"{spread(rates[name])} {per_request:4.2f}ms")
        line = f"{label:46} " + " ".join(f"{cell:>24}" for cell in cells)
        if "baseline" in versions:
            ratio = statistics.median(rates["current"]) / statistics.median(rates["baseline"])
            line += f" {ratio:16.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--log-level", default="INFO", help="LINLI_LOG_LEVEL of svc-residents")
    parser.add_argument("--baseline-src", type=Path, help="a tree whose code to compare with")
    parser.add_argument("--profile-seconds", type=int, default=0)
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "/work/main/.venv/bin/py-spy")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
