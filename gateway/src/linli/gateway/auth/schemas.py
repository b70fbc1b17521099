"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from linli.common.inputs import NulFreeStr


class StaffLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # NulFreeStr: a NUL would reach PostgreSQL (a 500); it is a 422 on the field instead.
    username: NulFreeStr = Field(min_length=1, max_length=64, examples=["wang.li"])
    password: NulFreeStr = Field(min_length=1, max_length=256)
    totp: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6}$",
        description="6-digit authenticator code; required only for accounts that enabled TOTP.",
    )


class ResidentLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: NulFreeStr = Field(
        default="dev",
        max_length=32,
        description="Identity provider: `dev` in development; `wechat` once configured.",
    )
    code: NulFreeStr = Field(
        min_length=1,
        max_length=512,
        description="The provider's one-time login code (`wx.login()` code; `dev:<openid>` for dev).",
        examples=["dev:o6_bmjrPTlm6_2sgVt7hMZOPfL2M"],
    )


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: NulFreeStr = Field(min_length=1, max_length=256)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class Jwks(BaseModel):
    keys: list[dict[str, Any]]
