"""Login, refresh-token rotation, logout and staff account creation: the rules, no HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NoReturn

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Role
from linli.common.divisions import LEVEL_LENGTH, DivisionCode, InvalidDivisionCode, Level
from linli.gateway.auth.directory import DirectoryUnavailable, ResidentDirectory
from linli.gateway.auth.errors import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidStaffAccount,
    RefreshTokenReused,
    TotpRequired,
)
from linli.gateway.auth.providers import IdentityProviderRegistry
from linli.gateway.auth.repository import (
    RefreshTokenRepository,
    ResidentAccountRepository,
    StaffAccountRepository,
)
from linli.gateway.auth.schemas import ResidentLogin, StaffLogin, TokenPair
from linli.gateway.auth.throttle import LoginThrottle
from linli.gateway.auth.tokens import TokenSigner, hash_refresh_token, new_refresh_token
from linli.gateway.models import RefreshToken, ResidentAccount, StaffAccount

STAFF = "staff"
RESIDENT = "resident"
MIN_PASSWORD_LENGTH = 8

# Roles whose scope is one fixed level: a street admin's scope is a street (9 digits), and so on.
_ROLE_LEVEL: dict[Role, Level] = {
    Role.CITY_ADMIN: Level.CITY,
    Role.DISTRICT_ADMIN: Level.DISTRICT,
    Role.STREET_ADMIN: Level.STREET,
    Role.COMMUNITY_WORKER: Level.COMMUNITY,
    Role.GRID_WORKER: Level.COMMUNITY,
}

_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """What the auth rules need besides the session, built once from the settings."""

    signer: TokenSigner
    access_ttl_s: int
    refresh_ttl_s: int
    throttle: LoginThrottle
    # Where a resident account's registry record is looked up; None: the stored link is used.
    residents: ResidentDirectory | None = None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("linli-no-such-user")


async def _verify_password(password_hash: str, password: str) -> bool:
    # Argon2 costs tens of milliseconds of CPU on purpose: off the event loop, which proxies.
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _now() -> datetime:
    return datetime.now(UTC)


async def create_staff_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    roles: Iterable[Role | str],
    scope: str,
    grid_ids: Iterable[str] = (),
    totp_secret: str | None = None,
) -> StaffAccount:
    """Create a staff account (the `linli users create` CLI calls this); the caller commits.

    Raises InvalidStaffAccount for an unknown role, a scope that is not a division code of the
    roles' level, a short password, a malformed TOTP secret or a username already taken.
    """
    errors: list[dict[str, str]] = []
    normalized = username.strip().lower()
    if not normalized or len(normalized) > 64:
        errors.append({"field": "username", "message": "1 to 64 characters"})
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(
            {"field": "password", "message": f"at least {MIN_PASSWORD_LENGTH} characters"}
        )
    parsed_roles: list[Role] = []
    for name in roles:
        try:
            parsed_roles.append(Role(name))
        except ValueError:
            errors.append({"field": "roles", "message": f"unknown role {name!r}"})
    if not parsed_roles and not any(e["field"] == "roles" for e in errors):
        errors.append({"field": "roles", "message": "at least one role"})
    try:
        code = DivisionCode.parse(scope)
    except InvalidDivisionCode as exc:
        errors.append({"field": "scope", "message": str(exc)})
    else:
        for role in parsed_roles:
            level = _ROLE_LEVEL.get(role)
            if level is not None and code.level is not level:
                errors.append(
                    {
                        "field": "scope",
                        "message": f"a {role.value} needs a {level.value} code "
                        f"({LEVEL_LENGTH[level]} digits), got {scope!r}",
                    }
                )
    if totp_secret is not None:
        try:
            pyotp.TOTP(totp_secret).now()
        except Exception:  # pyotp raises binascii/ValueError variants for bad base32
            errors.append({"field": "totp_secret", "message": "not a base32 TOTP secret"})
    repository = StaffAccountRepository(session)
    if normalized and await repository.username_taken(normalized):
        errors.append({"field": "username", "message": f"username {normalized!r} is taken"})
    if errors:
        raise InvalidStaffAccount(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )
    account = StaffAccount(
        username=normalized,
        password_hash=await hash_password(password),
        roles=sorted({r.value for r in parsed_roles}),
        scope=scope.strip(),
        grid_ids=[str(g) for g in grid_ids],
        totp_secret=totp_secret,
    )
    return await repository.add(account)


def _totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step `code` belongs to (±1 step of clock drift), or None when it matches none."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


async def login_staff(
    session: AsyncSession, *, login: StaffLogin, source: str, policy: AuthPolicy
) -> TokenPair:
    """Password (and TOTP) check; `source` (the client's address) is locked out of this account
    after too many failures, any other source is not."""
    username = login.username.strip().lower()
    throttle = policy.throttle
    if (wait_s := await throttle.locked_for(username, source)) is not None:
        raise AccountLocked(wait_s)
    repository = StaffAccountRepository(session)
    account = await repository.get_by_username_for_update(username)
    now = _now()
    if account is None:
        await _verify_password(_dummy_hash(), login.password)  # same timing as a real account
        await _refuse(throttle, username=username, source=source)
    if not await _verify_password(account.password_hash, login.password):
        await _refuse(throttle, username=username, source=source)
    if account.totp_secret:
        if login.totp is None:
            # Not a failure: the app asks for the code only after the password was accepted.
            raise TotpRequired("this account needs its authenticator code (`totp`)")
        step = _totp_step(account.totp_secret, login.totp, now)
        if step is None or (account.totp_last_step is not None and step <= account.totp_last_step):
            await _refuse(throttle, username=username, source=source)
        account.totp_last_step = step
    if not account.is_active:
        raise AccountDisabled()
    await throttle.succeeded(username, source)
    account.last_login_at = now
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = await hash_password(login.password)
    return await _issue_pair(
        session,
        policy=policy,
        subject=account.id,
        subject_kind=STAFF,
        family_id=uuid.uuid4(),
        roles=account.roles,
        scope=account.scope,
        grid_ids=account.grid_ids,
        resident_id=None,
    )


async def _refuse(throttle: LoginThrottle, *, username: str, source: str) -> NoReturn:
    """Count the failure and raise: 401, or 429 once this source has spent its attempts."""
    if (wait_s := await throttle.failed(username, source)) is not None:
        raise AccountLocked(wait_s)
    raise InvalidCredentials()


async def login_resident(
    session: AsyncSession,
    *,
    login: ResidentLogin,
    providers: IdentityProviderRegistry,
    policy: AuthPolicy,
) -> TokenPair:
    """First login creates the resident account; its id is the token subject from then on."""
    identity = await providers.get(login.provider).authenticate(login.code)
    account = await ResidentAccountRepository(session).upsert(
        provider=identity.provider, external_id=identity.external_id, now=_now()
    )
    return await _resident_pair(session, account=account, policy=policy, family_id=uuid.uuid4())


async def _resident_pair(
    session: AsyncSession, *, account: ResidentAccount, policy: AuthPolicy, family_id: uuid.UUID
) -> TokenPair:
    if policy.residents is not None:
        try:
            link = await policy.residents.link_of(account.id)
        except DirectoryUnavailable:
            pass  # the token carries the last known link; the next refresh asks again
        else:
            account.resident_id = link.resident_id if link else None
            account.community_code = link.community_code if link else None
    return await _issue_pair(
        session,
        policy=policy,
        subject=account.id,
        subject_kind=RESIDENT,
        family_id=family_id,
        roles=[Role.RESIDENT.value],
        # Residents act within their own community once registered; before that, nowhere.
        scope=account.community_code or "",
        grid_ids=[],
        resident_id=account.resident_id,
    )


async def refresh(session: AsyncSession, *, refresh_token: str, policy: AuthPolicy) -> TokenPair:
    """Rotate: the presented token is spent and a new one of the same family is returned.

    A spent token presented again means someone else holds a copy: the whole family (that login
    session, on every device that shares it) is revoked and both holders must log in again.
    """
    repository = RefreshTokenRepository(session)
    stored = await repository.get_by_hash_for_update(hash_refresh_token(refresh_token))
    now = _now()
    if stored is None or stored.revoked_at is not None:
        raise InvalidRefreshToken()
    if stored.rotated_at is not None:
        await repository.revoke_family(stored.family_id, now=now)
        raise RefreshTokenReused()
    if stored.expires_at <= now:
        raise InvalidRefreshToken("refresh token expired")
    stored.rotated_at = now
    if stored.subject_kind == STAFF:
        staff = await StaffAccountRepository(session).get(stored.subject)
        if staff is None or not staff.is_active:
            raise AccountDisabled()
        # Roles and scope are read again: a changed account gets its new claims at the next refresh.
        return await _issue_pair(
            session,
            policy=policy,
            subject=staff.id,
            subject_kind=STAFF,
            family_id=stored.family_id,
            roles=staff.roles,
            scope=staff.scope,
            grid_ids=staff.grid_ids,
            resident_id=None,
        )
    resident = await ResidentAccountRepository(session).get(stored.subject)
    if resident is None:
        raise InvalidRefreshToken()
    return await _resident_pair(
        session, account=resident, policy=policy, family_id=stored.family_id
    )


async def logout(session: AsyncSession, *, refresh_token: str) -> None:
    """Revoke the login session the token belongs to; unknown tokens are ignored (idempotent)."""
    repository = RefreshTokenRepository(session)
    stored = await repository.get_by_hash_for_update(hash_refresh_token(refresh_token))
    if stored is not None:
        await repository.revoke_family(stored.family_id, now=_now())


async def _issue_pair(
    session: AsyncSession,
    *,
    policy: AuthPolicy,
    subject: uuid.UUID,
    subject_kind: str,
    family_id: uuid.UUID,
    roles: list[str],
    scope: str,
    grid_ids: list[str],
    resident_id: str | None,
) -> TokenPair:
    token = new_refresh_token()
    await RefreshTokenRepository(session).add(
        RefreshToken(
            token_hash=hash_refresh_token(token),
            family_id=family_id,
            subject=subject,
            subject_kind=subject_kind,
            expires_at=_now() + timedelta(seconds=policy.refresh_ttl_s),
        )
    )
    access = policy.signer.issue_access_token(
        subject=str(subject),
        roles=roles,
        scope=scope,
        grid_ids=grid_ids,
        resident_id=resident_id,
        ttl_s=policy.access_ttl_s,
    )
    return TokenPair(access_token=access, refresh_token=token, expires_in=policy.access_ttl_s)
