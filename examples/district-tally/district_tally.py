"""A district's own tally of incidents per street and residents registered, kept from the Linli
event stream with a district credential: replay from a point in time, resume after a restart
without missing or double-counting anything.

    python district_tally.py --creds xihu-tally.creds --since 2026-12-01T00:00:00+08:00

Only nats-py (with nkeys) and the standard library: a district's engineers start from here.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client, RawCredentials
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

STREAM = "LINLI"
# An incident in one of these states is no longer open (svc-grid's incident states).
CLOSED_STATES = frozenset({"closed", "merged"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS progress (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL,          -- the last stream sequence applied: where to resume
    started_from TEXT                   -- the replay's start time, as asked
);
CREATE TABLE IF NOT EXISTS seen_events (event_id TEXT PRIMARY KEY);  -- CloudEvents ids applied
CREATE TABLE IF NOT EXISTS incidents (
    incident_id TEXT PRIMARY KEY, street TEXT NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS residents (resident_id TEXT PRIMARY KEY, street TEXT NOT NULL);
"""


def street_of(community_code: str) -> str:
    """The street (街道) of a community: the first 9 digits of its code."""
    return community_code[:9]


# --- the credential ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credential:
    """What a `.creds` file says about itself: its name (also its consumer's) and its subtree."""

    name: str
    subjects: str
    text: str

    @classmethod
    def from_file(cls, path: Path) -> Credential:
        text = path.read_text()
        lines = text.splitlines()
        token = lines[lines.index("-----BEGIN NATS USER JWT-----") + 1]
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        allowed = claims["nats"]["sub"]["allow"]
        subtree = next(s for s in allowed if s.startswith("linli."))
        return cls(name=claims["name"], subjects=subtree, text=text)

    @property
    def inbox_prefix(self) -> str:
        return f"_INBOX_{self.name}"


# --- the local tally --------------------------------------------------------------------------


@dataclass
class StreetFigures:
    incidents_reported: int = 0
    incidents_open: int = 0
    incidents_closed: int = 0
    residents: int = 0


class Tally:
    """The tally in a SQLite file. Each event is applied in one transaction together with its
    stream sequence and its event id, so a redelivery (same sequence) and a re-publication after
    JetStream's de-duplication window (new sequence, same event id) both change nothing."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    @property
    def last_seq(self) -> int | None:
        row = self.db.execute("SELECT last_seq FROM progress WHERE id = 1").fetchone()
        return None if row is None else int(row[0])

    def begin(self, since: datetime | None) -> None:
        """A fresh tally: nothing applied yet, remember where the replay was asked to start."""
        asked = since.isoformat() if since else None
        self.db.execute(
            "INSERT INTO progress (id, last_seq, started_from) VALUES (1, 0, ?) "
            "ON CONFLICT (id) DO NOTHING",
            (asked,),
        )

    def apply(self, seq: int, event: dict[str, Any]) -> bool:
        """Apply one CloudEvent delivered at stream sequence `seq`; False when already applied."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            last = db.execute("SELECT last_seq FROM progress WHERE id = 1").fetchone()
            if last is not None and seq <= last[0]:
                db.execute("ROLLBACK")
                return False
            db.execute(
                "INSERT INTO progress (id, last_seq) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq",
                (seq,),
            )
            fresh = db.execute(
                "INSERT INTO seen_events (event_id) VALUES (?) ON CONFLICT DO NOTHING",
                (event["id"],),
            ).rowcount
            if fresh:
                self._effect(event["type"], event["data"])
            db.execute("COMMIT")
            return bool(fresh)
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _effect(self, event_type: str, data: dict[str, Any]) -> None:
        kind = event_type.removeprefix("cn.linli.").rsplit(".", 1)[0]  # grid.incident.reported
        if kind.startswith("grid.incident."):
            # Every incident event carries the state after its step; the escalation's second copy
            # (on the level's subject) names the same incident and so changes nothing twice.
            self.db.execute(
                "INSERT INTO incidents (incident_id, street, status) VALUES (?, ?, ?) "
                "ON CONFLICT (incident_id) DO UPDATE SET status = excluded.status",
                (data["incident_id"], street_of(data["community_code"]), data["status"]),
            )
        elif kind in ("residents.resident.created", "residents.resident.approved"):
            self.db.execute(
                "INSERT INTO residents (resident_id, street) VALUES (?, ?) "
                "ON CONFLICT (resident_id) DO UPDATE SET street = excluded.street",
                (data["resident_id"], street_of(data["community_code"])),
            )
        elif kind == "residents.resident.deleted":
            self.db.execute("DELETE FROM residents WHERE resident_id = ?", (data["resident_id"],))
        elif kind == "residents.resident.moved":
            # Both ends of a move publish it, with the same destination: apply the destination.
            to = data.get("to_community_code")
            if to is None:
                self.db.execute(
                    "DELETE FROM residents WHERE resident_id = ?", (data["resident_id"],)
                )
            else:
                self.db.execute(
                    "INSERT INTO residents (resident_id, street) VALUES (?, ?) "
                    "ON CONFLICT (resident_id) DO UPDATE SET street = excluded.street",
                    (data["resident_id"], street_of(to)),
                )

    def figures(self, subtree_prefix: str = "") -> dict[str, StreetFigures]:
        """Figures per street (residents moved out of the subtree are not counted)."""
        result: dict[str, StreetFigures] = {}
        for street, status, count in self.db.execute(
            "SELECT street, status, count(*) FROM incidents GROUP BY street, status"
        ):
            row = result.setdefault(street, StreetFigures())
            row.incidents_reported += count
            if status in CLOSED_STATES:
                row.incidents_closed += count
            else:
                row.incidents_open += count
        for street, count in self.db.execute(
            "SELECT street, count(*) FROM residents WHERE street LIKE ? GROUP BY street",
            (subtree_prefix + "%",),
        ):
            result.setdefault(street, StreetFigures()).residents = count
        return dict(sorted(result.items()))


# --- the stream -------------------------------------------------------------------------------


@dataclass
class Run:
    applied: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)


async def history_warning(nc: Client, since: datetime) -> str | None:
    """Say so when the stream no longer holds events as old as `since` (retention dropped them)."""
    reply = await nc.request(f"$JS.API.STREAM.INFO.{STREAM}", b"", timeout=5)
    info = json.loads(reply.data)
    state, config = info["state"], info["config"]
    first_ts = datetime.fromisoformat(state["first_ts"].replace("Z", "+00:00"))
    if state.get("first_seq", 1) > 1 and since < first_ts:
        days = config.get("max_age", 0) / 1e9 / 86400
        return (
            f"history incomplete: asked from {since.isoformat()}, but the stream's oldest retained "
            f"event is from {first_ts.isoformat()} (retention: {days:g} days, "
            f"{config.get('max_bytes', -1)} bytes); events before it are gone"
        )
    return None


async def open_consumer(
    nc: Client, credential: Credential, tally: Tally, since: datetime | None, run: Run
) -> None:
    """Resume the durable consumer where the tally stopped, or start a replay from `since`."""
    js = nc.jetstream()
    try:
        await js.consumer_info(STREAM, credential.name)
        exists = True
    except NotFoundError:
        exists = False
    config = ConsumerConfig(
        name=credential.name,
        durable_name=credential.name,
        filter_subject=credential.subjects,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=30,
        max_ack_pending=1000,
    )
    last_seq = tally.last_seq
    if last_seq is not None:
        if not exists:  # the server lost or an operator deleted it: pick up after the last applied
            config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = last_seq + 1
            await js.add_consumer(STREAM, config)
        return  # an existing durable resumes by itself; anything at or below last_seq is skipped
    if exists:  # a new tally file: the old consumer's position is not ours
        await js.delete_consumer(STREAM, credential.name)
    if since is None:
        config.deliver_policy = DeliverPolicy.ALL
    else:
        config.deliver_policy = DeliverPolicy.BY_START_TIME
        config.opt_start_time = since
        if warning := await history_warning(nc, since):
            run.warnings.append(warning)
    await js.add_consumer(STREAM, config)
    tally.begin(since)


async def catch_up(
    nc: Client, credential: Credential, tally: Tally, *, follow: bool, idle_s: float, run: Run
) -> None:
    """Apply events batch by batch, acking each after its transaction; stop once idle unless
    following the stream."""
    sub = await nc.jetstream().pull_subscribe_bind(credential.name, stream=STREAM)
    while True:
        try:
            batch = await sub.fetch(200, timeout=idle_s)
        except TimeoutError:  # nats-py raises asyncio's, or its own subclass of it
            if follow:
                continue
            return
        for msg in batch:
            if tally.apply(msg.metadata.sequence.stream, json.loads(msg.data)):
                run.applied += 1
            else:
                run.skipped += 1
            await msg.ack()  # after the commit: a crash in between means a harmless redelivery


async def run_tally(
    *,
    creds: Path,
    nats_url: str,
    db: Path,
    since: datetime | None,
    follow: bool = False,
    idle_s: float = 1.0,
) -> tuple[dict[str, StreetFigures], Run]:
    credential = Credential.from_file(creds)
    tally = Tally(db)
    run = Run()
    nc = await nats.connect(
        nats_url,
        user_credentials=RawCredentials(credential.text),
        inbox_prefix=credential.inbox_prefix,
        name=credential.name,
    )
    try:
        await open_consumer(nc, credential, tally, since, run)
        await catch_up(nc, credential, tally, follow=follow, idle_s=idle_s, run=run)
        prefix = credential.subjects.removeprefix("linli.").removesuffix(".>").rsplit(".", 1)[-1]
        return tally.figures(prefix), run
    finally:
        with contextlib.suppress(Exception):
            await nc.close()
        tally.close()


def _print(figures: dict[str, StreetFigures], run: Run) -> None:
    for warning in run.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    print(f"applied {run.applied} events, skipped {run.skipped} already applied")
    print(f"{'street':<10} {'reported':>9} {'open':>6} {'closed':>7} {'residents':>10}")
    for street, row in figures.items():
        print(
            f"{street:<10} {row.incidents_reported:>9} {row.incidents_open:>6} "
            f"{row.incidents_closed:>7} {row.residents:>10}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creds", type=Path, required=True, help="from `linli district-creds`")
    parser.add_argument("--nats-url", default="nats://127.0.0.1:14222")
    parser.add_argument("--db", type=Path, default=Path("tally.sqlite"))
    parser.add_argument(
        "--since",
        type=datetime.fromisoformat,
        default=None,
        help="replay from this time (ISO 8601 with offset) on the first run; default: everything",
    )
    parser.add_argument("--follow", action="store_true", help="keep applying new events")
    args = parser.parse_args(argv)
    since: datetime | None = args.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    figures, run = asyncio.run(
        run_tally(
            creds=args.creds, nats_url=args.nats_url, db=args.db, since=since, follow=args.follow
        )
    )
    _print(figures, run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
