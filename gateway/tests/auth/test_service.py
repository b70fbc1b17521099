"""create_staff_user: what the `linli users create` CLI relies on."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.gateway.auth import create_staff_user
from linli.gateway.auth.errors import InvalidStaffAccount


async def test_creates_an_account_with_a_hashed_password(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        account = await create_staff_user(
            session,
            username=" Li.Ming ",
            password="long enough password",
            roles=[Role.DISTRICT_ADMIN, "auditor"],
            scope="330108",
        )

    assert account.username == "li.ming"
    assert account.password_hash.startswith("$argon2id$")
    assert account.roles == ["auditor", "district_admin"]
    assert account.scope == "330108"


@pytest.mark.parametrize(
    ("roles", "scope", "password", "field"),
    [
        (["mayor"], "330108", "long enough password", "roles"),
        ([], "330108", "long enough password", "roles"),
        (["street_admin"], "33010800", "long enough password", "scope"),
        (["street_admin"], "330108", "long enough password", "scope"),  # a district, not a street
        (["community_worker"], "330108001", "long enough password", "scope"),
        (["ops"], "3301", "short", "password"),
    ],
)
async def test_refuses_invalid_accounts(
    sessionmaker: async_sessionmaker[AsyncSession],
    roles: list[str],
    scope: str,
    password: str,
    field: str,
) -> None:
    async with sessionmaker() as session:
        with pytest.raises(InvalidStaffAccount) as caught:
            await create_staff_user(
                session, username="x", password=password, roles=roles, scope=scope
            )

    assert field in [e["field"] for e in caught.value.extensions["errors"]]


async def test_refuses_a_taken_username(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await create_staff_user(
            session, username="dup", password="long enough password", roles=["ops"], scope="3301"
        )
        await session.commit()
    async with sessionmaker() as session:
        with pytest.raises(InvalidStaffAccount, match="taken"):
            await create_staff_user(
                session,
                username="DUP",
                password="long enough password",
                roles=["ops"],
                scope="3301",
            )


async def test_refuses_a_malformed_totp_secret(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        with pytest.raises(InvalidStaffAccount, match="totp_secret"):
            await create_staff_user(
                session,
                username="t",
                password="long enough password",
                roles=["ops"],
                scope="3301",
                totp_secret="not base32 !!",
            )
