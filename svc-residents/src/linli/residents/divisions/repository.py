"""Queries on the division tree."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.divisions import DivisionCode
from linli.common.pagination import Keyset, within_division
from linli.residents.models import (
    Building,
    ChangeRequest,
    CommunityBirthDateCount,
    CommunityBirthYearCount,
    CommunityCounter,
    CommunityTagCount,
    Court,
    Division,
    Dwelling,
    Grid,
    Household,
    Registration,
    Resident,
    ResidentMove,
    Unit,
)

# asyncpg allows 32767 parameters per statement; 1000 rows of 4 columns stays far below.
_UPSERT_BATCH = 1000


DIVISION_ORDER = Keyset(Division.code)


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    created: int
    updated: int


class DivisionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str, *, for_update: bool = False) -> Division | None:
        """The division; `for_update` also keeps rows naming it from being added meanwhile
        (their foreign key check waits on the lock)."""
        return await self.session.get(Division, code, with_for_update=for_update)

    async def holders(self, code: str) -> list[str]:
        """What still names this division: units below it, places, people, registrations,
        change requests and moves, by table name (empty when it may be deleted)."""
        checks: list[tuple[str, ColumnElement[bool]]] = [
            ("divisions", exists().where(Division.parent_code == code)),
            *(
                (model.__tablename__, exists().where(model.community_code == code))
                for model in (
                    Grid,
                    Court,
                    Building,
                    Unit,
                    Dwelling,
                    Household,
                    Resident,
                    Registration,
                    ChangeRequest,
                )
            ),
            (
                ResidentMove.__tablename__,
                exists().where(
                    or_(
                        ResidentMove.from_community_code == code,
                        ResidentMove.to_community_code == code,
                    )
                ),
            ),
        ]
        found = (await self.session.execute(select(*(check for _, check in checks)))).one()
        return [name for (name, _), held in zip(checks, found, strict=True) if held]

    async def delete(self, division: Division) -> None:
        """Remove an unheld division with its (zero) statistics counters."""
        for counter in (
            CommunityCounter,
            CommunityTagCount,
            CommunityBirthYearCount,
            CommunityBirthDateCount,
        ):
            await self.session.execute(
                delete(counter).where(counter.community_code == division.code)
            )
        await self.session.delete(division)
        await self.session.flush()

    async def existing_codes(self, codes: Collection[str]) -> set[str]:
        if not codes:
            return set()
        result = await self.session.scalars(select(Division.code).where(Division.code.in_(codes)))
        return set(result)

    async def list_children(
        self, parent_code: str, *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Division]:
        statement = select(Division).where(Division.parent_code == parent_code)
        return await self._page(statement, after=after, limit=limit)

    async def list_roots(
        self, scope: str, *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Division]:
        """The topmost stored divisions inside `scope`: the scope's own unit when it is stored,
        else (a province-wide ops scope) every unit whose parent lies outside the scope."""
        statement = select(Division).where(
            within_division(Division.code, scope),
            or_(Division.parent_code.is_(None), ~within_division(Division.parent_code, scope)),
        )
        return await self._page(statement, after=after, limit=limit)

    async def _page(
        self, statement: Select[Division], *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Division]:
        """A page (and one row more) in `DIVISION_ORDER`."""
        statement = DIVISION_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def upsert(self, rows: Iterable[tuple[str, str]]) -> UpsertCounts:
        """Insert new codes and rename existing ones; rows whose name is unchanged are not touched.

        Parents are written before their children (shorter codes first), so the foreign key holds
        across batches.
        """
        ordered = sorted(rows, key=lambda row: (len(row[0]), row[0]))
        created = updated = 0
        for start in range(0, len(ordered), _UPSERT_BATCH):
            batch = ordered[start : start + _UPSERT_BATCH]
            values = []
            for code, name in batch:
                division = DivisionCode.parse(code)
                parent = division.parent()
                values.append(
                    {
                        "code": code,
                        "name": name,
                        "level": division.level,
                        "parent_code": parent.code if parent else None,
                    }
                )
            insert_rows = insert(Division).values(values)
            statement = insert_rows.on_conflict_do_update(
                index_elements=[Division.code],
                set_={"name": insert_rows.excluded.name, "updated_at": func.now()},
                where=Division.name.is_distinct_from(insert_rows.excluded.name),
            ).returning(
                # xmax is 0 only on a row version this statement inserted: tells inserts from
                # updates; unchanged rows are not returned at all.
                literal_column("xmax = 0", type_=Boolean)
            )
            inserted = (await self.session.scalars(statement)).all()
            created += sum(inserted)
            updated += len(inserted) - sum(inserted)
        return UpsertCounts(created=created, updated=updated)
