"""NATS decentralised auth for Linli: operator, accounts and users as nkey-signed JWTs, the
server configuration that trusts them, and district credentials confined to one subtree.

Why JWTs and not users in the server's config file: with decentralised auth the server holds no
user list at all. A credential is issued by signing a user JWT with the account's key, offline,
with nothing to reload; a revocation is a new account JWT (its `revocations` map) pushed to the
running server through the system account (`$SYS.REQ.CLAIMS.UPDATE`), which then refuses the user
and closes its open connections. NATS documents this (the "full" resolver) as the way to add and
remove users without restarting or reloading servers; config-file users need a reload on every
server of a cluster for every change.

The store is a directory (0700) that only operators of the platform may read:
    operator.seed  operator.jwt                 the trust root (its public key is in the server config)
    accounts/SYS.{seed,jwt}  accounts/LINLI.{seed,jwt}
    system.creds                                a system-account user, for pushing account updates
    services/<service>.creds                    one user per deployable, full rights in LINLI
    districts.json                              every district credential issued: name, scope, key
    auth.conf                                   what nats-server includes (operator, resolver, preload)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nkeys

from linli.common.divisions import DivisionCode, InvalidDivisionCode
from linli.common.events import subtree_filter
from linli.common.nats import DEFAULT_STREAM

ACCOUNT = "LINLI"
SYSTEM_ACCOUNT = "SYS"
# A district credential's name is also its JetStream consumer's name and its inbox prefix:
# one subject token, lower case, so nothing in it can act as a wildcard.
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
_UNLIMITED = -1


class CredentialError(ValueError):
    """A request about district credentials that cannot be honoured; the message says why."""


# --- JWTs --------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_seed(prefix: int) -> bytes:
    """A fresh nkey seed for an operator, account or user (`nkeys.PREFIX_BYTE_*`)."""
    seed: bytes = nkeys.encode_seed(os.urandom(32), prefix)
    return seed


def public_key(seed: bytes) -> str:
    key: bytes = nkeys.from_seed(bytearray(seed)).public_key
    return key.decode()


def sign_jwt(claims: dict[str, Any], *, issuer_seed: bytes) -> str:
    """Encode and sign NATS JWT claims (v2) with the issuer's nkey.

    As nats-io/jwt does: `jti` is the base32 SHA-512/256 of the claims without it, `iss` the
    issuer's public key, the header's algorithm `ed25519-nkey`.
    """
    body = {**claims, "iss": public_key(issuer_seed), "jti": ""}
    body.setdefault("iat", int(time.time()))
    digest = hashlib.new("sha512_256", json.dumps(body, separators=(",", ":")).encode()).digest()
    body["jti"] = base64.b32encode(digest).rstrip(b"=").decode()
    header = _b64(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode())
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature: bytes = nkeys.from_seed(bytearray(issuer_seed)).sign(signing_input)
    return f"{header}.{payload}.{_b64(signature)}"


def decode_jwt(token: str) -> dict[str, Any]:
    """The claims of a JWT we issued (no verification: the server verifies)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def creds_file(user_jwt: str, user_seed: bytes) -> str:
    """The `.creds` text nats clients read (`user_credentials=` in nats-py, `--creds` in the CLI)."""
    return (
        "-----BEGIN NATS USER JWT-----\n"
        f"{user_jwt}\n"
        "------END NATS USER JWT------\n\n"
        "************************* IMPORTANT *************************\n"
        "NKEY Seed printed below can be used to sign and prove identity.\n"
        "NKEYs are sensitive and should be treated as secrets.\n\n"
        "-----BEGIN USER NKEY SEED-----\n"
        f"{user_seed.decode()}\n"
        "------END USER NKEY SEED------\n\n"
        "*************************************************************\n"
    )


def _account_limits(*, jetstream: bool) -> dict[str, Any]:
    limits: dict[str, Any] = {
        "subs": _UNLIMITED,
        "data": _UNLIMITED,
        "payload": _UNLIMITED,
        "imports": _UNLIMITED,
        "exports": _UNLIMITED,
        "wildcards": True,
        "conn": _UNLIMITED,
        "leaf": _UNLIMITED,
    }
    if jetstream:  # non-zero storage limits are what enable JetStream for the account
        limits |= {
            "mem_storage": _UNLIMITED,
            "disk_storage": _UNLIMITED,
            "streams": _UNLIMITED,
            "consumer": _UNLIMITED,
        }
    return limits


def district_permissions(scope: str, name: str, *, stream: str = DEFAULT_STREAM) -> dict[str, Any]:
    """What a district system may do: read its subtree, through one durable consumer of its own.

    - subscribe: the subtree's subjects, and replies on its own inbox prefix (never `_INBOX.>`,
      where the services' pulled messages travel);
    - publish: only the JetStream API calls of its own consumer, `<name>`: create in the filtered
      form (the filter is in the subject, and the server refuses a body whose filter differs),
      info, delete, next message, acks; and the stream's info (its retention and oldest message,
      so a replay knows when history is gone). No event subject at all.
    """
    subtree = subtree_filter(scope)
    api = "$JS.API"
    return {
        "pub": {
            "allow": [
                f"{api}.CONSUMER.CREATE.{stream}.{name}.{subtree}",
                f"{api}.CONSUMER.INFO.{stream}.{name}",
                f"{api}.CONSUMER.DELETE.{stream}.{name}",
                f"{api}.CONSUMER.MSG.NEXT.{stream}.{name}",
                f"{api}.STREAM.INFO.{stream}",
                f"$JS.ACK.{stream}.{name}.>",
            ]
        },
        "sub": {"allow": [subtree, f"{inbox_prefix(name)}.>"]},
    }


def inbox_prefix(name: str) -> str:
    """The reply prefix a district client must use (`inbox_prefix=` in nats-py)."""
    return f"_INBOX_{name}"


# --- the store ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DistrictCredential:
    name: str
    scope: str
    subjects: str
    public_key: str
    issued_at: int
    revoked_at: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AuthStore:
    """The keys and JWTs of one Linli NATS deployment, kept in a directory."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory.resolve()

    # files
    @property
    def server_config(self) -> Path:
        return self.dir / "auth.conf"

    @property
    def system_creds(self) -> Path:
        return self.dir / "system.creds"

    def service_creds(self, service: str) -> Path:
        return self.dir / "services" / f"{service}.creds"

    def _read(self, relative: str) -> bytes:
        return (self.dir / relative).read_bytes().strip()

    def _write(self, relative: str, content: str | bytes, *, secret: bool = True) -> Path:
        path = self.dir / relative
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = content.encode() if isinstance(content, str) else content
        partial = path.with_name(path.name + ".tmp")
        partial.write_bytes(data)
        partial.chmod(0o600 if secret else 0o644)
        partial.replace(path)  # atomic: a reader never sees half a key
        return path

    @property
    def initialised(self) -> bool:
        return (self.dir / "operator.seed").is_file()

    # set-up
    def init(self, services: Iterable[str], *, resolver_dir: Path) -> None:
        """Create the operator, accounts and system user once; a user per service (full rights)
        unless it has one; and write `auth.conf`. Safe to run again: nothing issued is replaced."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.dir.chmod(0o700)
        if not self.initialised:
            self._write("operator.seed", new_seed(nkeys.PREFIX_BYTE_OPERATOR))
            for account in (SYSTEM_ACCOUNT, ACCOUNT):
                self._write(f"accounts/{account}.seed", new_seed(nkeys.PREFIX_BYTE_ACCOUNT))
            operator = self._read("operator.seed")
            self._write(
                "operator.jwt",
                sign_jwt(
                    {
                        "sub": public_key(operator),
                        "name": "linli",
                        "nats": {
                            "system_account": self.account_key(SYSTEM_ACCOUNT),
                            "type": "operator",
                            "version": 2,
                        },
                    },
                    issuer_seed=operator,
                ),
                secret=False,
            )
            self._sign_account(SYSTEM_ACCOUNT, revocations={})
            self._sign_account(ACCOUNT, revocations={})
            self._write("districts.json", "[]\n")
            self._write("system.creds", self._user_creds(SYSTEM_ACCOUNT, "linli-system", None))
        for service in services:
            path = self.service_creds(service)
            if not path.is_file():
                self._write(
                    str(path.relative_to(self.dir)), self._user_creds(ACCOUNT, service, None)
                )
        self.write_server_config(resolver_dir)

    def account_key(self, account: str) -> str:
        return public_key(self._read(f"accounts/{account}.seed"))

    def account_jwt(self, account: str = ACCOUNT) -> str:
        return self._read(f"accounts/{account}.jwt").decode()

    def _sign_account(self, account: str, *, revocations: dict[str, int]) -> str:
        claims: dict[str, Any] = {
            "sub": self.account_key(account),
            "name": account,
            "nats": {
                "limits": _account_limits(jetstream=account == ACCOUNT),
                "default_permissions": {"pub": {}, "sub": {}},
                "type": "account",
                "version": 2,
            },
        }
        if revocations:
            claims["nats"]["revocations"] = revocations
        token = sign_jwt(claims, issuer_seed=self._read("operator.seed"))
        self._write(f"accounts/{account}.jwt", token, secret=False)
        return token

    def _user_creds(self, account: str, name: str, permissions: dict[str, Any] | None) -> str:
        seed = new_seed(nkeys.PREFIX_BYTE_USER)
        nats_claims: dict[str, Any] = {
            "subs": _UNLIMITED,
            "data": _UNLIMITED,
            "payload": _UNLIMITED,
            "type": "user",
            "version": 2,
        }
        if permissions is not None:
            nats_claims |= permissions
        token = sign_jwt(
            {"sub": public_key(seed), "name": name, "nats": nats_claims},
            issuer_seed=self._read(f"accounts/{account}.seed"),
        )
        return creds_file(token, seed)

    def write_server_config(self, resolver_dir: Path) -> Path:
        """`auth.conf` for nats-server: trust the operator, keep account JWTs in a full resolver
        (updated live through the system account), preloaded with the accounts as they are now."""
        accounts = {
            self.account_key(name): self.account_jwt(name) for name in (SYSTEM_ACCOUNT, ACCOUNT)
        }
        preload = "\n".join(f"  {key}: {jwt}" for key, jwt in accounts.items())
        text = (
            "# Generated by `linli district-creds init`: NATS decentralised auth for Linli.\n"
            f"operator: {self._read('operator.jwt').decode()}\n"
            f"system_account: {self.account_key(SYSTEM_ACCOUNT)}\n"
            "resolver: {\n"
            "  type: full\n"
            f"  dir: {json.dumps(str(resolver_dir))}\n"
            # A revoked credential must never come back by a delete of its account.
            "  allow_delete: false\n"
            '  interval: "2m"\n'
            "}\n"
            f"resolver_preload: {{\n{preload}\n}}\n"
        )
        return self._write("auth.conf", text, secret=False)

    # district credentials
    def districts(self) -> list[DistrictCredential]:
        rows = json.loads(self._read("districts.json") or b"[]")
        return [DistrictCredential(**row) for row in rows]

    def _save_districts(self, rows: list[DistrictCredential]) -> None:
        self._write("districts.json", json.dumps([asdict(r) for r in rows], indent=1) + "\n")

    def _require_init(self) -> None:
        if not self.initialised:
            raise CredentialError(
                f"no NATS auth store in {self.dir}: run `linli district-creds init` "
                "(or `linli dev up`, which creates one) first"
            )

    def issue_district(self, *, scope: str, name: str) -> tuple[DistrictCredential, str]:
        """A credential that reads only `scope`'s subtree; returns it and its `.creds` text."""
        self._require_init()
        try:
            code = DivisionCode.parse(scope)
        except InvalidDivisionCode as exc:
            raise CredentialError(f"--scope: {exc}") from None
        if not _NAME.fullmatch(name):
            raise CredentialError(
                f"credential name {name!r}: 2-40 characters, lower-case letters, digits and '-', "
                "starting with a letter or digit (it names the JetStream consumer too)"
            )
        rows = self.districts()
        if any(row.name == name for row in rows):
            raise CredentialError(
                f"a credential named {name!r} exists already (revoked ones keep their name); "
                "choose another name"
            )
        text = self._user_creds(ACCOUNT, name, district_permissions(code.code, name))
        user_jwt = text.split("\n")[1]
        claims = decode_jwt(user_jwt)
        credential = DistrictCredential(
            name=name,
            scope=code.code,
            subjects=subtree_filter(code.code),
            public_key=claims["sub"],
            issued_at=claims["iat"],
        )
        self._save_districts([*rows, credential])
        return credential, text

    def revoke_district(self, name: str) -> DistrictCredential:
        """Mark the credential revoked and sign the account anew; push it with `push_account`."""
        self._require_init()
        rows = self.districts()
        found = next((row for row in rows if row.name == name), None)
        if found is None:
            known = ", ".join(row.name for row in rows) or "none issued"
            raise CredentialError(f"no district credential named {name!r} (known: {known})")
        if found.revoked_at is None:
            # Revokes every JWT of this key issued at or before this second: the iat of ours.
            found = DistrictCredential(**{**asdict(found), "revoked_at": int(time.time())})
            rows = [found if row.name == name else row for row in rows]
            self._save_districts(rows)
        revocations = {row.public_key: row.revoked_at for row in rows if row.revoked_at}
        self._sign_account(ACCOUNT, revocations=revocations)
        return found


async def push_account(store: AuthStore, nats_url: str, *, timeout_s: float = 5.0) -> None:
    """Send the account's current JWT to the running server; it applies it at once (revoked users
    are refused and disconnected). Raises CredentialError with the server's answer on refusal."""
    import nats
    from nats.aio.client import RawCredentials

    nc = await nats.connect(
        nats_url,
        user_credentials=RawCredentials(store.system_creds.read_text()),
        connect_timeout=timeout_s,
        allow_reconnect=False,
        max_reconnect_attempts=0,
    )
    try:
        reply = await nc.request(
            "$SYS.REQ.CLAIMS.UPDATE", store.account_jwt().encode(), timeout=timeout_s
        )
    finally:
        with contextlib.suppress(Exception):
            await nc.close()
    answer = json.loads(reply.data or b"{}")
    if "error" in answer:
        raise CredentialError(f"the NATS server refused the account update: {answer['error']}")


__all__ = [
    "ACCOUNT",
    "AuthStore",
    "CredentialError",
    "DistrictCredential",
    "creds_file",
    "decode_jwt",
    "district_permissions",
    "inbox_prefix",
    "new_seed",
    "public_key",
    "push_account",
    "sign_jwt",
]
