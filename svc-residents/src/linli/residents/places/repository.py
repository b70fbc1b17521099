"""Queries on grids and the housing tree."""

from __future__ import annotations

import builtins
import re
import uuid
from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, exists, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.conflicts import insert_or_conflict
from linli.common.models import new_id
from linli.common.pagination import Keyset, within_division
from linli.residents.models import Building, Court, Dwelling, Grid, Household, Resident, Unit

PlaceT = TypeVar("PlaceT", Grid, Court, Building, Unit, Dwelling)


def community_order(model: type[PlaceT]) -> Keyset:
    """Lists of places run in (community, id) order: a division is one index range."""
    return Keyset(model.community_code, model.id)


_GRID_CODE = re.compile(r"^([0-9]{12})-([0-9]{1,4})$")


class PlaceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, model: type[PlaceT], place_id: uuid.UUID, *, for_update: bool = False
    ) -> PlaceT | None:
        statement = select(model).where(model.id == place_id)
        if for_update:
            statement = statement.with_for_update(of=model).execution_options(
                populate_existing=True
            )
        return (await self.session.scalars(statement)).first()

    async def add(self, place: PlaceT) -> bool:
        """Insert `place`; False (nothing added) when its parent already has one of that name."""
        return await insert_or_conflict(self.session, place) is None

    async def list(
        self,
        model: type[PlaceT],
        *,
        division_prefix: str,
        where: Sequence[ColumnElement[bool]] = (),
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[PlaceT]:
        """A page (and one row more) of `model` in `community_order`."""
        statement = select(model).where(
            within_division(model.community_code, division_prefix), *where
        )
        statement = community_order(model).paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def in_use(self, place: Grid | Court | Building | Unit | Dwelling) -> bool:
        """Whether anything still refers to the place (deleted households included: they keep
        their history)."""
        references: list[ColumnElement[bool]]
        match place:
            case Grid():
                references = [
                    exists().where(Building.grid_id == place.id),
                    exists().where(Household.grid_id == place.id),
                    exists().where(Resident.grid_id == place.id),
                ]
            case Court():
                references = [exists().where(Building.court_id == place.id)]
            case Building():
                references = [exists().where(Unit.building_id == place.id)]
            case Unit():
                references = [exists().where(Dwelling.unit_id == place.id)]
            case Dwelling():
                references = [exists().where(Household.dwelling_id == place.id)]
        return bool(await self.session.scalar(select(or_(*references))))

    async def resolve_grid_ids(self, claims: Collection[str]) -> set[uuid.UUID]:
        """The grids a token's `grid_ids` name: by id, or by code (`330108001001-01`)."""
        ids: set[uuid.UUID] = set()
        codes: list[tuple[str, int]] = []
        for claim in claims:
            try:
                ids.add(uuid.UUID(claim))
                continue
            except ValueError:
                pass
            if match := _GRID_CODE.match(claim):
                codes.append((match.group(1), int(match.group(2))))
        if codes:
            found = await self.session.scalars(
                select(Grid.id).where(tuple_(Grid.community_code, Grid.number).in_(codes))
            )
            ids.update(found)
        return ids

    async def dwelling_at(
        self, *, community_code: str, building: str, unit: str, room: str
    ) -> tuple[Dwelling, builtins.list[Building | Unit | Dwelling]]:
        """The dwelling at this address, its building and unit created when missing, and the
        places this call created. Concurrent callers meet on the unique names: the second
        waits, then reads the first's rows."""
        created: builtins.list[uuid.UUID] = []
        building_id = await self._upsert(
            Building,
            {"community_code": community_code, "name": building},
            constraint="uq_buildings_community_name",
            created=created,
        )
        unit_id = await self._upsert(
            Unit,
            {"building_id": building_id, "name": unit},
            constraint="uq_units_building_name",
            extra={"community_code": community_code},
            created=created,
        )
        dwelling_id = await self._upsert(
            Dwelling,
            {"unit_id": unit_id, "name": room},
            constraint="uq_dwellings_unit_name",
            extra={"community_code": community_code, "building_id": building_id},
            created=created,
        )
        dwelling = await self.get(Dwelling, dwelling_id)
        assert dwelling is not None
        new: builtins.list[Building | Unit | Dwelling] = []
        for place in (dwelling.unit.building, dwelling.unit, dwelling):
            if place.id in created:
                new.append(place)
        return dwelling, new

    async def _upsert(
        self,
        model: type[Building | Unit | Dwelling],
        key: dict[str, Any],
        *,
        constraint: str,
        created: builtins.list[uuid.UUID],
        extra: dict[str, Any] | None = None,
    ) -> uuid.UUID:
        inserted: uuid.UUID | None = await self.session.scalar(
            insert(model)
            .values(id=new_id(), **key, **(extra or {}))
            .on_conflict_do_nothing(constraint=constraint)
            .returning(model.id)
        )
        if inserted is not None:
            created.append(inserted)
            return inserted
        found = await self.session.scalar(select(model.id).filter_by(**key))
        assert found is not None  # inserted by a transaction that committed meanwhile
        return found
