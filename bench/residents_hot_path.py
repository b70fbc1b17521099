"""Benchmark: the service side of the hot path (issue 7), an authenticated one-row read of
svc-residents against its trivial `/healthz`, called directly with wrk, and optionally the same
against other trees' code (a baseline, variants) side by side in one run.

svc-residents runs as a real uvicorn process (one worker, as deployed, `--no-access-log`) on the
embedded PostgreSQL and NATS; the gateway runs beside it only to sign the token, publish the
JWKS and seed the division tree (it is not on the measured path). Each `--compare NAME=DIR` (DIR
a copy of a tree, e.g. `git archive <commit> libs/linli-common svc-residents | tar -x -C DIR`) adds a
svc-residents process on the same database with `PYTHONPATH` pointing at DIR's `linli-common`
and `svc-residents` sources; rounds alternate between them so that the machine's load falls on
all alike, and the last column is current / the first compared.

Each case: a warm-up, then `--rounds` rounds (each starting with the next version); medians and
spread (min–max) of req/s, and the median over rounds of the residents process's CPU per request
read from /proc (what a deployment pays per read; steadier than the rate on a shared machine).
`--profile-seconds N` then records the current code under wrk with py-spy (`--py-spy PATH`),
printing the top functions by own and total samples.

    .venv/bin/python bench/residents_hot_path.py [--seconds 5] [--rounds 3] [--compare base=DIR]
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


def compared_tree(text: str) -> tuple[str, Path]:
    name, _, tree = text.partition("=")
    if not name or not tree:
        raise argparse.ArgumentTypeError("give NAME=DIR")
    return name, Path(tree)


def baseline_pythonpath(tree: Path) -> str:
    """The baseline's sources ahead of this tree's editable installs (namespace `linli`)."""
    return os.pathsep.join(
        str(tree / part) for part in ("libs/linli-common/src", "svc-residents/src")
    )


def profile(py_spy: str, pid: int, url: str, headers: dict[str, str], seconds: int) -> None:
    """py-spy under wrk; prints the functions holding the most samples (own, and total)."""
    if not Path(py_spy).exists():
        print(f"\npy-spy not found at {py_spy} (uv pip install py-spy): no profile")
        return
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
            for name, tree in args.compare:
                port = free_port()
                env = {**residents_env, "PYTHONPATH": baseline_pythonpath(tree)}
                stack.enter_context(
                    uvicorn("linli.residents.app:create_app", port, env, root / f"{name}.log")
                )
                versions[name] = port
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
    first = names[0]
    if first != "current":
        header += f" {'rate, CPU/req: current/' + first:>30}"
    print(header)
    for label, path, headers in cases:
        for port in versions.values():
            wrk(f"http://127.0.0.1:{port}{path}", headers, seconds=2, connections=args.connections)
        rates: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}
        for round_ in range(args.rounds):
            # Each round starts with the next version: none always runs first (or last).
            order = names[round_ % len(names) :] + names[: round_ % len(names)]
            for name in order:
                pid = pids[name]
                before = cpu_seconds(pid) if pid else 0.0
                result = wrk(
                    f"http://127.0.0.1:{versions[name]}{path}",
                    headers,
                    seconds=args.seconds,
                    connections=args.connections,
                )
                if pid and result:
                    cpu[name].append((cpu_seconds(pid) - before) / (result * args.seconds) * 1000)
                rates[name].append(result)
        cells = [
            f"{spread(rates[name])} {statistics.median(cpu[name] or [float('nan')]):4.2f}ms"
            for name in names
        ]
        line = f"{label:46} " + " ".join(f"{cell:>24}" for cell in cells)
        if first != "current":
            rate_ratio = statistics.median(rates["current"]) / statistics.median(rates[first])
            cpu_ratio = statistics.median(cpu["current"]) / statistics.median(cpu[first])
            line += f" {rate_ratio:22.2f} {cpu_ratio:7.2f}"
        print(line)
        if args.verbose:
            for name in names:
                print(
                    f"    {name:>10} CPU ms/req per round: "
                    + " ".join(f"{v:.2f}" for v in cpu[name])
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--log-level", default="INFO", help="LINLI_LOG_LEVEL of svc-residents")
    parser.add_argument(
        "--compare",
        type=compared_tree,
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="another tree's code to run side by side (repeatable; the first is the baseline)",
    )
    parser.add_argument("--profile-seconds", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="print every round's CPU/req")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "/work/main/.venv/bin/py-spy")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
