"""Queries of the catalogue; the only place that knows its tables."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset
from linli.service_hall.models import CatalogueItem, CatalogueItemVersion

LISTING = Keyset(CatalogueItem.code, CatalogueItem.id)


def _offered(divisions: Any, code: str, *, subtree: bool) -> ColumnElement[bool]:
    """The version is offered in `code` (one of its divisions prefixes it), or, with `subtree`,
    anywhere within `code` too."""
    division = func.unnest(divisions).table_valued("value").render_derived(name="offered")
    prefix = literal(code).like(division.c.value + "%")
    condition = or_(prefix, division.c.value.like(code + "%")) if subtree else prefix
    return exists(select(literal(1)).select_from(division).where(condition))


def offered_in(code: str, *, subtree: bool = False) -> ColumnElement[bool]:
    return _offered(CatalogueItemVersion.divisions, code, subtree=subtree)


class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def item(self, item_id: uuid.UUID, *, for_update: bool = False) -> CatalogueItem | None:
        statement = select(CatalogueItem).where(CatalogueItem.id == item_id)
        if for_update:
            statement = statement.with_for_update()
        item: CatalogueItem | None = await self.session.scalar(statement)
        return item

    async def version(self, item_id: uuid.UUID, version: int) -> CatalogueItemVersion | None:
        return await self.session.get(CatalogueItemVersion, (item_id, version))

    async def versions_of(
        self, pairs: Collection[tuple[uuid.UUID, int]]
    ) -> tuple[dict[uuid.UUID, CatalogueItem], dict[tuple[uuid.UUID, int], CatalogueItemVersion]]:
        """The items and the given (item, version) pairs of their rules."""
        if not pairs:
            return {}, {}
        ids = {item_id for item_id, _ in pairs}
        items = await self.session.scalars(select(CatalogueItem).where(CatalogueItem.id.in_(ids)))
        versions = await self.session.scalars(
            select(CatalogueItemVersion).where(
                tuple_(CatalogueItemVersion.item_id, CatalogueItemVersion.version).in_(list(pairs))
            )
        )
        return (
            {item.id: item for item in items},
            {(v.item_id, v.version): v for v in versions},
        )

    async def versions(self, item_id: uuid.UUID) -> Sequence[CatalogueItemVersion]:
        statement = (
            select(CatalogueItemVersion)
            .where(CatalogueItemVersion.item_id == item_id)
            .order_by(CatalogueItemVersion.version)
        )
        return (await self.session.scalars(statement)).all()

    def current(self) -> Select[CatalogueItem, CatalogueItemVersion]:
        return select(CatalogueItem, CatalogueItemVersion).join(
            CatalogueItemVersion,
            and_(
                CatalogueItemVersion.item_id == CatalogueItem.id,
                CatalogueItemVersion.version == CatalogueItem.current_version,
            ),
        )

    async def listing(
        self, *, where: ColumnElement[bool], after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Any]:
        # Keyset types its statements as one-column selects; this one reads item and version.
        statement = cast(Select[Any], self.current().where(where))
        statement = LISTING.paginate(statement, after=after, limit=limit)
        return list((await self.session.execute(statement)).all())

    async def current_many(
        self, item_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[CatalogueItem, CatalogueItemVersion]]:
        rows = (
            await self.session.execute(self.current().where(CatalogueItem.id.in_(item_ids)))
        ).all()
        return {item.id: (item, version) for item, version in rows}
