"""The `linli` command: `dev up`, `migrate`, `users create`, `district-creds`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from linli.cli.topology import DEPLOYABLES, GATEWAY, ServiceSpec
from linli.common.auth import Role
from linli.common.errors import LinliError
from linli.common.settings import database_url_for
from linli.infra.embedded import EmbeddedPostgres, InfraError

# argparse, not click/typer: three subcommands do not justify another dependency in every image.


def _state_dir(args: argparse.Namespace) -> Path:
    from linli.cli.stack import default_state_dir

    given: Path | None = args.state_dir
    return (given or default_state_dir()).resolve()


@contextlib.contextmanager
def database_server(state_dir: Path) -> Iterator[str]:
    """`LINLI_DATABASE_URL`'s server; else the embedded one (a running `dev up`'s, or started here)."""
    if url := os.environ.get("LINLI_DATABASE_URL"):
        yield url
        return
    server = EmbeddedPostgres(state_dir / "pgdata")
    if server.attach():
        yield server.url
        return
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def gateway_database_url(url: str) -> str:
    """The gateway's database from `LINLI_DATABASE_URL`, which is either that database itself
    (as the gateway reads it, e.g. inside its container) or a server URL naming `postgres` or no
    database (as `linli dev up` reads it), in which case the gateway's database on that server."""
    from sqlalchemy.engine import make_url

    if make_url(url).database in (None, "", "postgres"):
        return database_url_for(url, GATEWAY.database)
    return url


def _deployables(name: str | None) -> list[ServiceSpec]:
    if name is None:
        return list(DEPLOYABLES)
    for spec in DEPLOYABLES:
        if name in (spec.name, spec.directory, spec.package):
            return [spec]
    known = ", ".join(spec.name for spec in DEPLOYABLES)
    raise SystemExit(f"linli migrate: unknown service {name!r}; one of: {known}")


def cmd_dev_up(args: argparse.Namespace) -> int:
    from linli.cli.stack import run_dev_up

    return run_dev_up(
        port_base=args.port_base,
        nats_port=args.nats_port,
        state_dir=args.state_dir,
        seed=not args.no_seed,
    )


def cmd_migrate(args: argparse.Namespace) -> int:
    from linli.infra.databases import ensure_database, migrate

    specs = _deployables(args.service)
    with database_server(_state_dir(args)) as server_url:
        for spec in specs:
            try:
                url = ensure_database(server_url, spec.database)
            except Exception as exc:  # no CREATEDB right: the database may exist already
                print(f"note: could not ensure database {spec.database}: {exc}", file=sys.stderr)
                url = database_url_for(server_url, spec.database)
            migrate(spec.directory, url)
            print(f"{spec.name}: {spec.database} at head")
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    from linli.cli.users import create_staff_account

    password = args.password or getpass.getpass(f"password for {args.username}: ")
    try:
        roles = [Role(role) for role in args.role]
    except ValueError as exc:
        known = ", ".join(role.value for role in Role)
        raise SystemExit(f"linli users create: {exc}; roles are: {known}") from None

    def create(database_url: str) -> None:
        asyncio.run(
            create_staff_account(
                database_url,
                username=args.username,
                password=password,
                roles=roles,
                scope=args.scope,
                grid_ids=args.grid,
                totp_secret=args.totp_secret,
            )
        )

    try:
        if args.database_url:
            create(args.database_url)
        else:
            with database_server(_state_dir(args)) as server_url:
                create(gateway_database_url(server_url))
    except LinliError as exc:
        problems = exc.extensions.get("errors") or []
        lines = [f"  {p.get('field')}: {p.get('message')}" for p in problems]
        heading = f"linli users create: {exc.title_en if lines else exc}"
        print("\n".join([heading, *lines]), file=sys.stderr)
        return 2
    print(f"created staff account {args.username}: {', '.join(args.role)} of {args.scope}")
    return 0


def cmd_district_creds(args: argparse.Namespace) -> int:
    from linli.cli import district_creds

    return district_creds.run(args, _state_dir(args))


def cmd_asyncapi(args: argparse.Namespace) -> int:
    from linli.cli.asyncapi import main as asyncapi_main

    return asyncapi_main(check=args.check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linli", description="Linli development and operations.")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where the embedded servers keep data and logs (default: <workspace>/.linli)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="the local development stack")
    dev_commands = dev.add_subparsers(dest="dev_command", required=True)
    up = dev_commands.add_parser(
        "up",
        help="start PostgreSQL, NATS, every service and the gateway; Ctrl-C stops all",
        description=(
            "Embedded PostgreSQL and NATS JetStream are used unless LINLI_DATABASE_URL (a server URL; "
            "one database per service is created on it) or LINLI_NATS_URL are set. Ports come from "
            "the topology (gateway 8080, services 8101-8105); move one with LINLI_<SERVICE>_PORT, "
            "all with --port-base."
        ),
    )
    up.add_argument("--no-seed", action="store_true", help="do not seed the demo city")
    up.add_argument(
        "--port-base",
        type=int,
        default=None,
        help="gateway port; every other port (services, NATS) shifts by the same amount",
    )
    up.add_argument("--nats-port", type=int, default=None, help="embedded NATS port (14222)")
    up.set_defaults(handler=cmd_dev_up)

    migrate = commands.add_parser("migrate", help="run every deployable's migrations to head")
    migrate.add_argument("--service", default=None, help="only this deployable (e.g. grid)")
    migrate.set_defaults(handler=cmd_migrate)

    users = commands.add_parser("users", help="staff accounts")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    create = user_commands.add_parser("create", help="create a staff account in the gateway DB")
    create.add_argument("--username", required=True)
    create.add_argument("--password", default=None, help="prompted for when omitted")
    create.add_argument(
        "--role",
        action="append",
        required=True,
        help="repeat for several roles: " + ", ".join(role.value for role in Role),
    )
    create.add_argument("--scope", required=True, help="division code prefix, e.g. 330108001001")
    create.add_argument("--grid", action="append", default=[], help="grid id (repeatable)")
    create.add_argument("--totp-secret", default=None, help="base32 TOTP secret to require")
    create.add_argument(
        "--database-url",
        default=None,
        help="the gateway database (default: LINLI_DATABASE_URL if it names a database, else "
        "linli_gateway on its server or on the embedded one)",
    )
    create.set_defaults(handler=cmd_users_create)

    asyncapi = commands.add_parser(
        "asyncapi",
        help="regenerate the event catalogue (AsyncAPI 3) from the services' event classes",
    )
    asyncapi.add_argument("--check", action="store_true", help="only say whether it is current")
    asyncapi.set_defaults(handler=cmd_asyncapi)

    from linli.cli.district_creds import add_parser as add_district_creds

    add_district_creds(commands)
    commands.choices["district-creds"].set_defaults(handler=cmd_district_creds)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except InfraError as exc:
        print(f"linli: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
