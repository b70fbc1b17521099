"""Why a login, refresh or account creation is refused."""

from __future__ import annotations

from typing import Any

from linli.common.errors import InvalidInput, LinliError, NotFound, Unauthenticated


class KeepsChanges(LinliError):
    """Raised after recording a security fact (a revoked token family) that must be committed
    although the request fails; the auth session commits before re-raising it."""


class InvalidCredentials(Unauthenticated):
    """Unknown username, wrong password or wrong TOTP code (never told apart)."""

    problem = "invalid-credentials"
    title_en = "Invalid username or password"
    title_zh = "用户名或密码错误"


class TotpRequired(Unauthenticated):
    """The password was right and this account also needs its authenticator code."""

    problem = "totp-required"
    title_en = "Authenticator code required"
    title_zh = "需要动态验证码"


class AccountLocked(LinliError):
    """Too many failed logins from this address; it may try this account again after
    `Retry-After` seconds (other addresses are not affected).

    429 rather than 423: this throttles attempts for a while, which is what 429 with Retry-After
    means to every HTTP client; 423 is WebDAV's lock on a resource.
    """

    status = 429
    problem = "account-locked"
    title_en = "Account temporarily locked after failed logins"
    title_zh = "登录失败次数过多，账号暂时锁定"

    def __init__(self, retry_after_s: int, **extensions: Any) -> None:
        super().__init__(
            f"try again in {retry_after_s} seconds", retry_after=retry_after_s, **extensions
        )
        self.headers["Retry-After"] = str(retry_after_s)


class AccountDisabled(Unauthenticated):
    """The account exists but is disabled."""

    problem = "account-disabled"
    title_en = "Account disabled"
    title_zh = "账号已停用"


class InvalidRefreshToken(Unauthenticated):
    """The refresh token is unknown, expired or revoked: log in again."""

    problem = "invalid-refresh-token"
    title_en = "Invalid refresh token"
    title_zh = "刷新令牌无效，请重新登录"


class RefreshTokenReused(InvalidRefreshToken, KeepsChanges):
    """A refresh token was used twice: it was copied, so its whole session was revoked."""

    problem = "refresh-token-reused"
    title_en = "Refresh token reused; session revoked"
    title_zh = "刷新令牌被重复使用，会话已注销"


class UnknownIdentityProvider(NotFound):
    """No identity provider of that name is enabled on this gateway."""

    problem = "unknown-identity-provider"
    title_en = "Unknown identity provider"
    title_zh = "不支持的登录方式"


class IdentityRejected(Unauthenticated):
    """The identity provider did not accept the login code."""

    problem = "identity-rejected"
    title_en = "Login code rejected"
    title_zh = "登录凭证无效"


class InvalidStaffAccount(InvalidInput):
    """A staff account with an unknown role, a malformed scope or a taken username."""

    problem = "invalid-staff-account"
    title_en = "Invalid staff account"
    title_zh = "工作人员账号信息有误"
