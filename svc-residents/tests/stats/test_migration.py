"""Migration 0003 backfills the counters from the rows already there."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from linli.common.db import create_sessionmaker
from linli.common.pii import PiiCipher, PiiField
from linli.infra.databases import alembic_config
from linli.residents.config import NAME, Settings
from linli.residents.divisions.repository import DivisionRepository
from linli.residents.households import writes as registry
from linli.residents.identity import check_character
from linli.residents.models import (
    CommunityBirthDateCount,
    CommunityBirthYearCount,
    CommunityCounter,
    CommunityTagCount,
    DeletionReason,
    Registration,
    RegistrationStatus,
    RelationToHead,
    Resident,
    Sex,
)
from linli.residents.protected import protect
from linli.testing import create_database, drop_database, migrate

TREE = (
    ("3301", "杭州市"),
    ("330108", "滨江区"),
    ("330108001", "西兴街道"),
    ("330108001001", "东信社区"),
    ("330108002", "长河街道"),
    ("330108002001", "长河社区"),
)


def id_number(born: date, order: int) -> str:
    body = f"330108{born:%Y%m%d}{order:03d}"
    return body + check_character(body)


async def counters(session: AsyncSession) -> dict[str, set[tuple[Any, ...]]]:
    tables = {
        "communities": (
            CommunityCounter.community_code,
            CommunityCounter.residents,
            CommunityCounter.households,
            CommunityCounter.pending_registrations,
        ),
        "tags": (CommunityTagCount.community_code, CommunityTagCount.tag, CommunityTagCount.n),
        "years": (
            CommunityBirthYearCount.community_code,
            CommunityBirthYearCount.birth_year,
            CommunityBirthYearCount.n,
        ),
        "dates": (
            CommunityBirthDateCount.community_code,
            CommunityBirthDateCount.birth_date,
            CommunityBirthDateCount.n,
        ),
    }
    return {
        name: {tuple(row) for row in await session.execute(select(*columns)) if any(row[1:])}
        for name, columns in tables.items()
    }


async def populate(sessionmaker: async_sessionmaker[AsyncSession], cipher: PiiCipher) -> None:
    """A few households through the registry's write paths, a deletion and a pending registration."""
    async with sessionmaker.begin() as session:
        await DivisionRepository(session).upsert(TREE)
    async with sessionmaker.begin() as session:
        for n, (community, born) in enumerate(
            [
                ("330108001001", date(1950, 5, 1)),
                ("330108001001", date(1990, 3, 7)),
                ("330108001001", date(2015, 1, 9)),
                ("330108002001", date(1990, 3, 7)),
            ]
        ):
            number = id_number(born, 101 + 2 * n)
            _, resident = await registry.settle(
                session,
                person=registry.NewResident(
                    community_code=community,
                    building="1幢",
                    unit="1单元",
                    room=str(101 + n % 2),
                    name="孙七",
                    sex=Sex.MALE,
                    birth_date=born,
                    id_number=protect(cipher, PiiField.ID_NUMBER, number),
                    phone=None,
                    # Two share each room, and a household has one head.
                    relation_to_head=RelationToHead.OTHER,
                    consented_at=None,
                    account_subject=None,
                ),
            )
            resident.tags = ["living_alone"] if n % 2 else ["party_member", "volunteer"]
        phone = protect(cipher, PiiField.PHONE, "13700001111")
        waiting = protect(cipher, PiiField.ID_NUMBER, id_number(date(1970, 1, 1), 201))
        session.add(
            Registration(
                community_code="330108002001",
                status=RegistrationStatus.PENDING,
                applicant_subject="applicant",
                name="周八",
                sex=Sex.MALE,
                birth_date=date(1970, 1, 1),
                id_number_cipher=waiting.cipher,
                id_number_index=waiting.index,
                id_number_masked=waiting.masked,
                phone_cipher=phone.cipher,
                phone_index=phone.index,
                phone_masked=phone.masked,
                building="2幢",
                unit="1单元",
                room="101",
                relation_to_head=RelationToHead.HEAD,
                consented_at=datetime.now(UTC),
            )
        )
    async with sessionmaker.begin() as session:
        # Rows changed behind the write paths' back: only a recount (the backfill) sees them.
        await session.execute(
            update(Resident)
            .where(Resident.birth_date == date(2015, 1, 9))
            .values(
                deleted_at=datetime.now(UTC),
                deleted_by="test",
                deletion_reason=DeletionReason.DECEASED,
            )
        )


async def test_upgrading_to_0003_counts_the_rows_already_there(
    pg_server_url: str, cipher: PiiCipher, settings: Settings
) -> None:
    name = "test_residents_counter_backfill"
    url = create_database(pg_server_url, name)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        migrate(NAME, url)
        sessionmaker = create_sessionmaker(engine, event_source=settings.event_source)
        await populate(sessionmaker, cipher)
        config = alembic_config(NAME, url)
        await asyncio.to_thread(command.downgrade, config, "0002")

        await asyncio.to_thread(command.upgrade, config, "head")

        async with sessionmaker() as session:
            backfilled = await counters(session)
        assert backfilled == {
            "communities": {("330108001001", 2, 2, 0), ("330108002001", 1, 1, 1)},
            "tags": {
                ("330108001001", "party_member", 1),
                ("330108001001", "volunteer", 1),
                ("330108001001", "living_alone", 1),
                ("330108002001", "living_alone", 1),
            },
            "years": {
                ("330108001001", 1950, 1),
                ("330108001001", 1990, 1),
                ("330108002001", 1990, 1),
            },
            "dates": {
                ("330108001001", date(1950, 5, 1), 1),
                ("330108001001", date(1990, 3, 7), 1),
                ("330108002001", date(1990, 3, 7), 1),
            },
        }
    finally:
        await engine.dispose()
        drop_database(pg_server_url, name)
