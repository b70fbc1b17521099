"""Rules of the division import that need no HTTP: province-wide ops scopes and CSV reading."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.outbox import OutboxMessage
from linli.residents.divisions import service
from linli.residents.divisions.errors import DivisionFileUnreadable


def ops(scope: str) -> Principal:
    return Principal(subject="ops", roles=frozenset({Role.OPS}), scope=scope)


async def test_an_ops_import_above_city_level_publishes_per_city(session: AsyncSession) -> None:
    content = "code,name\n3301,杭州市\n330108,滨江区\n3302,宁波市\n".encode()

    result = await service.import_divisions(session, principal=ops("33"), content=content)

    assert result.created == 3
    subjects = sorted((await session.scalars(select(OutboxMessage.subject))).all())
    assert subjects == [
        "linli.3301._._._.residents.division.imported",
        "linli.3302._._._.residents.division.imported",
    ]


async def test_an_ops_import_of_one_district_publishes_on_that_district(
    session: AsyncSession,
) -> None:
    await service.import_divisions(
        session, principal=ops("33"), content="code,name\n3301,杭州市\n".encode()
    )
    await session.execute(select(OutboxMessage))
    content = "code,name\n330108,滨江区\n330108001,西兴街道\n".encode()

    await service.import_divisions(session, principal=ops("33"), content=content)

    subjects = (await session.scalars(select(OutboxMessage.subject))).all()
    assert "linli.3301.330108._._.residents.division.imported" in subjects


def test_quoted_fields_and_crlf_line_ends_are_read() -> None:
    rows = service.read_csv(b'code,name\r\n3301,"Hangzhou, city"\r\n')

    assert [(r.row, r.code, r.name) for r in rows] == [(2, "3301", "Hangzhou, city")]


def test_a_file_that_is_not_csv_is_unreadable() -> None:
    with pytest.raises(DivisionFileUnreadable):
        service.read_csv(b'code,name\n"3301,unterminated\x00')
