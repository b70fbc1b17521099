"""`/auth/*` and the JWKS: how mini-programs and staff consoles obtain and renew tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.openapi import problem_responses
from linli.gateway.auth import service
from linli.gateway.auth.errors import KeepsChanges
from linli.gateway.auth.providers import IdentityProviderRegistry
from linli.gateway.auth.schemas import (
    Jwks,
    RefreshRequest,
    ResidentLogin,
    StaffLogin,
    TokenPair,
)
from linli.gateway.auth.service import AuthPolicy
from linli.gateway.openapi import HEADERS_TOO_LARGE, TOO_MANY_CALLS

router = APIRouter(tags=["auth"])


async def _auth_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Like the kernel's DbSession, but a KeepsChanges failure (a counted wrong password, a
    revoked token family) is committed before the error answer goes out."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except KeepsChanges:
            await session.commit()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


AuthSession = Annotated[AsyncSession, Depends(_auth_session, scope="function")]


def _policy(request: Request) -> AuthPolicy:
    policy: AuthPolicy = request.app.state.auth_policy
    return policy


def _providers(request: Request) -> IdentityProviderRegistry:
    registry: IdentityProviderRegistry = request.app.state.identity_providers
    return registry


Policy = Annotated[AuthPolicy, Depends(_policy)]
Providers = Annotated[IdentityProviderRegistry, Depends(_providers)]

# What a token endpoint refuses, as the problems it sends (the kernel's one shape; 422 and the
# 400 of an unreadable body are documented by the frame).
_TOKEN_ERRORS = problem_responses(
    {
        401: "Wrong credentials, TOTP code needed, or token invalid",
        429: TOO_MANY_CALLS,
        431: HEADERS_TOO_LARGE,
    },
    authenticated=False,
)
_RESIDENT_LOGIN_ERRORS = problem_responses(
    {
        401: "The identity provider rejected the login code",
        404: "No identity provider of that name is enabled on this gateway",
        429: TOO_MANY_CALLS,
        431: HEADERS_TOO_LARGE,
    },
    authenticated=False,
)


@router.post("/auth/staff/login", response_model=TokenPair, responses=_TOKEN_ERRORS)
async def staff_login(
    body: StaffLogin, request: Request, session: AuthSession, policy: Policy
) -> TokenPair:
    """Log a staff member in with username and password.

    Send the access token as `Authorization: Bearer <access_token>` on every `/api/...` call; it
    lives `expires_in` seconds (15 minutes). Before it expires, call `POST /auth/refresh` with the
    refresh token. If the account uses an authenticator app, the first attempt without `totp`
    answers 401 with problem type `totp-required`: ask for the 6-digit code and send it again.
    After 5 wrong attempts from one address within 15 minutes, that address may not try this
    account again for up to 15 minutes: 429 `account-locked` with `Retry-After`. Logins from
    other addresses are not affected.
    """
    source = request.client.host if request.client else "unknown"
    return await service.login_staff(session, login=body, source=source, policy=policy)


@router.post("/auth/resident/login", response_model=TokenPair, responses=_RESIDENT_LOGIN_ERRORS)
async def resident_login(
    body: ResidentLogin, session: AuthSession, policy: Policy, providers: Providers
) -> TokenPair:
    """Log a resident in with the mini-program's login code.

    Call `wx.login()` (or your platform's equivalent), send its `code` with the provider name;
    in development use provider `dev` with code `dev:<any-openid>`. The same identity always gets
    the same subject (`sub`). Until the resident's registration is approved, the token carries an
    empty `scope` and no `resident_id`; refresh after approval to get them.
    """
    return await service.login_resident(session, login=body, providers=providers, policy=policy)


@router.post("/auth/refresh", response_model=TokenPair, responses=_TOKEN_ERRORS)
async def refresh(body: RefreshRequest, session: AuthSession, policy: Policy) -> TokenPair:
    """Exchange a refresh token for a new access token and a new refresh token.

    Each refresh token works once: store the new one and discard the old. Presenting an old one
    again is treated as theft and logs that session out everywhere (401 `refresh-token-reused`).
    """
    return await service.refresh(session, refresh_token=body.refresh_token, policy=policy)


@router.post("/auth/logout", status_code=204, response_class=Response)
async def logout(body: RefreshRequest, session: AuthSession) -> Response:
    """End the login session of this refresh token (all refresh tokens issued from that login).

    Access tokens already issued stay valid until they expire (at most 15 minutes): drop them.
    Always answers 204, also for an unknown token.
    """
    await service.logout(session, refresh_token=body.refresh_token)
    return Response(status_code=204)


@router.get("/.well-known/jwks.json", response_model=Jwks)
async def jwks(request: Request, response: Response) -> Jwks:
    """The gateway's public signing keys (Ed25519, `EdDSA`): services verify access tokens with
    them, selecting the key by the token header's `kid`."""
    # Cacheable for minutes: services refetch on an unknown `kid` anyway (key rotation).
    response.headers["Cache-Control"] = "public, max-age=300"
    return Jwks(keys=request.app.state.auth_policy.signer.jwks["keys"])
