"""The gateway's own rows the facts need: which login accounts a resident holds."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.gateway.models.auth import ResidentAccount

# A resident logs in with a handful of providers at most; more is not a person.
_MAX_ACCOUNTS = 10


async def subjects_of(session: AsyncSession, resident_id: uuid.UUID) -> list[str]:
    """The token subjects of the accounts linked to this resident (what grid and coop know)."""
    rows = await session.scalars(
        select(ResidentAccount.id)
        .where(ResidentAccount.resident_id == str(resident_id))
        .order_by(ResidentAccount.id)
        .limit(_MAX_ACCOUNTS)
    )
    return [str(subject) for subject in rows]
