"""`linli district-creds`: NATS credentials for a district's (or street's) own systems, each
confined by the NATS server to its subtree's subjects; issue, list, revoke; `init` for production."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from linli.cli.topology import SERVICES
from linli.infra.nats_auth import AuthStore, CredentialError, inbox_prefix, push_account

AUTH_DIR_ENV = "LINLI_NATS_AUTH_DIR"


def default_auth_dir(state_dir: Path) -> Path:
    """`LINLI_NATS_AUTH_DIR`, else the dev stack's `<state dir>/nats-auth`."""
    if given := os.environ.get(AUTH_DIR_ENV):
        return Path(given)
    return state_dir / "nats-auth"


def init_store(auth_dir: Path, *, resolver_dir: Path) -> AuthStore:
    """The store with the operator, accounts and one user per service; `auth.conf` written."""
    store = AuthStore(auth_dir)
    store.init([spec.name for spec in SERVICES], resolver_dir=resolver_dir)
    return store


def _fail(message: str) -> int:
    print(f"linli district-creds: {message}", file=sys.stderr)
    return 2


def cmd_init(args: argparse.Namespace, auth_dir: Path) -> int:
    store = init_store(auth_dir, resolver_dir=args.resolver_dir.resolve())
    print(f"NATS auth store ready in {store.dir}")
    print(f"  server config to include: {store.server_config}")
    print(f"  service credentials:      {store.dir / 'services'}/<service>.creds")
    return 0


def cmd_issue(args: argparse.Namespace, auth_dir: Path) -> int:
    store = AuthStore(auth_dir)
    try:
        credential, text = store.issue_district(scope=args.scope, name=args.name)
    except CredentialError as exc:
        return _fail(str(exc))
    out: Path = args.out or Path(f"{credential.name}.creds")
    out.write_text(text)
    out.chmod(0o600)
    print(f"issued {credential.name}: subscribes to {credential.subjects} only")
    print(f"  credentials file: {out.resolve()} (keep it secret)")
    print(f"  consumer name:    {credential.name} (durable, on stream LINLI, filtered)")
    print(f"  inbox prefix:     {inbox_prefix(credential.name)}")
    return 0


def cmd_list(args: argparse.Namespace, auth_dir: Path) -> int:
    store = AuthStore(auth_dir)
    if not store.initialised:
        return _fail(f"no NATS auth store in {store.dir}: run `linli district-creds init` first")
    rows = store.districts()
    if not rows:
        print("no district credentials issued")
        return 0
    print(f"{'name':<24} {'scope':<13} {'subjects':<36} state")
    for row in rows:
        state = "active" if row.active else "revoked"
        print(f"{row.name:<24} {row.scope:<13} {row.subjects:<36} {state}")
    return 0


def cmd_revoke(args: argparse.Namespace, auth_dir: Path) -> int:
    store = AuthStore(auth_dir)
    try:
        credential = store.revoke_district(args.name)
    except CredentialError as exc:
        return _fail(str(exc))
    try:
        asyncio.run(push_account(store, args.nats_url))
    except CredentialError as exc:
        return _fail(str(exc))
    except Exception as exc:  # NATS unreachable: the revocation is stored, not yet in force
        return _fail(
            f"{credential.name} is revoked in {store.dir}, but NATS at {args.nats_url} could not "
            f"be told ({type(exc).__name__}: {exc}); run this command again when it is reachable "
            "(a server started from this store's auth.conf loads the revocation too)"
        )
    print(f"revoked {credential.name}: refused from now on, its open connections closed")
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    creds = commands.add_parser(
        "district-creds",
        help="NATS credentials for district systems, confined to a subtree by the NATS server",
        description=(
            "Credentials are NATS user JWTs signed by the LINLI account (decentralised auth): "
            "issuing needs no server change; revoking pushes the account to the running server, "
            "which refuses the user and closes its connections."
        ),
    )
    creds.add_argument(
        "--auth-dir",
        type=Path,
        default=None,
        help=f"the NATS auth store (default: ${AUTH_DIR_ENV}, else <state dir>/nats-auth)",
    )
    sub = creds.add_subparsers(dest="creds_command", required=True)

    init = sub.add_parser("init", help="create the operator, accounts, service users, auth.conf")
    init.add_argument(
        "--resolver-dir",
        type=Path,
        required=True,
        help="where nats-server keeps account JWTs (its own writable directory, e.g. /data/jwt)",
    )
    init.set_defaults(creds_handler=cmd_init)

    issue = sub.add_parser("issue", help="issue a credential reading one subtree")
    issue.add_argument("--scope", required=True, help="division code: 4, 6, 9 or 12 digits")
    issue.add_argument("--name", required=True, help="the system's name (also its consumer's)")
    issue.add_argument("--out", type=Path, default=None, help="creds file (default ./<name>.creds)")
    issue.set_defaults(creds_handler=cmd_issue)

    listing = sub.add_parser("list", help="every district credential and whether it is revoked")
    listing.set_defaults(creds_handler=cmd_list)

    revoke = sub.add_parser("revoke", help="revoke a credential on the running NATS server")
    revoke.add_argument("--name", required=True)
    revoke.add_argument(
        "--nats-url",
        default=os.environ.get("LINLI_NATS_URL", "nats://127.0.0.1:14222"),
        help="the NATS server to tell (default: $LINLI_NATS_URL, else the dev stack's)",
    )
    revoke.set_defaults(creds_handler=cmd_revoke)


def run(args: argparse.Namespace, state_dir: Path) -> int:
    auth_dir: Path = args.auth_dir or default_auth_dir(state_dir)
    code: int = args.creds_handler(args, auth_dir.resolve())
    return code
