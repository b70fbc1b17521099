"""`linli users create`: staff accounts written straight into the gateway's database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from linli.common.auth import Role
from linli.common.db import create_engine, create_sessionmaker


async def create_staff_account(
    database_url: str,
    *,
    username: str,
    password: str,
    roles: Sequence[Role],
    scope: str,
    grid_ids: Sequence[str] = (),
    totp_secret: str | None = None,
    exist_ok: bool = False,
) -> bool:
    """Create one staff account; False when it exists and `exist_ok` (the demo seed re-runs)."""
    from linli.gateway.auth import create_staff_user
    from linli.gateway.auth.errors import InvalidStaffAccount
    from linli.gateway.auth.repository import StaffAccountRepository

    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            if exist_ok and await StaffAccountRepository(session).username_taken(username.lower()):
                return False
            try:
                await create_staff_user(
                    session,
                    username=username,
                    password=password,
                    roles=list(roles),
                    scope=scope,
                    grid_ids=tuple(grid_ids),
                    totp_secret=totp_secret,
                )
                await session.commit()
            except (IntegrityError, InvalidStaffAccount):
                await session.rollback()
                # A concurrent seed may have won the race; anything else is the caller's error.
                if exist_ok and await StaffAccountRepository(session).username_taken(
                    username.lower()
                ):
                    return False
                raise
            return True
    finally:
        await engine.dispose()
