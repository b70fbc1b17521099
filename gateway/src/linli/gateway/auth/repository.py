"""Queries on accounts and refresh tokens; the session belongs to the caller."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.gateway.models import RefreshToken, ResidentAccount, StaffAccount


class StaffAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_username_for_update(self, username: str) -> StaffAccount | None:
        # Row lock: concurrent wrong passwords must each count toward the lockout.
        result = await self.session.execute(
            select(StaffAccount).where(StaffAccount.username == username).with_for_update()
        )
        return result.scalar_one_or_none()

    async def get(self, account_id: uuid.UUID) -> StaffAccount | None:
        return await self.session.get(StaffAccount, account_id)

    async def username_taken(self, username: str) -> bool:
        result = await self.session.execute(
            select(StaffAccount.id).where(StaffAccount.username == username)
        )
        return result.first() is not None

    async def add(self, account: StaffAccount) -> StaffAccount:
        self.session.add(account)
        await self.session.flush()
        return account


class ResidentAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: uuid.UUID) -> ResidentAccount | None:
        return await self.session.get(ResidentAccount, account_id)

    async def upsert(self, *, provider: str, external_id: str, now: datetime) -> ResidentAccount:
        """The account of this provider identity, created on first login (race-free)."""
        statement = (
            insert(ResidentAccount)
            .values(id=uuid.uuid4(), provider=provider, external_id=external_id, last_login_at=now)
            .on_conflict_do_update(
                index_elements=[ResidentAccount.provider, ResidentAccount.external_id],
                set_={"last_login_at": now},
            )
            .returning(ResidentAccount)
        )
        result = await self.session.execute(
            statement, execution_options={"populate_existing": True}
        )
        return result.scalar_one()


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: RefreshToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def get_by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        # Row lock: two concurrent refreshes with one token must not both rotate it.
        result = await self.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        )
        return result.scalar_one_or_none()

    async def revoke_family(self, family_id: uuid.UUID, *, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
