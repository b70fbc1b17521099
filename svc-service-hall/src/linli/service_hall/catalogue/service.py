"""Rules of the catalogue: owners publish versioned items; residents read what their community
is offered, staff what is offered within their scope."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.conflicts import insert_or_conflict
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.service_hall import access
from linli.service_hall.catalogue.errors import ItemCodeTaken, ItemNotFound, OutsideOwner
from linli.service_hall.catalogue.events import ItemPublished
from linli.service_hall.catalogue.repository import LISTING, CatalogueRepository, offered_in
from linli.service_hall.catalogue.schemas import ItemCreate, ItemRead, ItemRules
from linli.service_hall.models import CatalogueItem, CatalogueItemVersion


def read_item(item: CatalogueItem, version: CatalogueItemVersion) -> ItemRead:
    return ItemRead(
        id=item.id,
        code=item.code,
        owning_level=item.owning_level,
        owning_division=item.owning_division,
        version=version.version,
        current_version=item.current_version,
        name=version.name,
        description=version.description,
        divisions=list(version.divisions),
        materials=version.materials,
        channels=list(version.channels),
        promised_working_days=version.promised_working_days,
        fee_fen=version.fee_fen,
        created_at=version.created_at,
    )


def _version(item: CatalogueItem, rules: ItemRules, number: int, by: str) -> CatalogueItemVersion:
    return CatalogueItemVersion(
        item_id=item.id,
        version=number,
        name=rules.name,
        description=rules.description,
        divisions=list(rules.divisions),
        materials=[m.model_dump(mode="json") for m in rules.materials],
        channels=[c.value for c in rules.channels],
        promised_working_days=rules.promised_working_days,
        fee_fen=rules.fee_fen,
        created_by=by,
    )


async def _published(
    session: AsyncSession, item: CatalogueItem, version: CatalogueItemVersion
) -> ItemRead:
    await events_of(session).record(
        ItemPublished(
            community_code=item.owning_division,
            item_id=item.id,
            code=item.code,
            version=version.version,
            promised_working_days=version.promised_working_days,
            fee_fen=version.fee_fen,
        ),
        subject_id=item.id,
    )
    return read_item(item, version)


async def create_item(
    session: AsyncSession, *, item_in: ItemCreate, principal: Principal
) -> ItemRead:
    """A new item at version 1, by staff of its owning division's level."""
    access.require_owner(principal, item_in.owning_division)
    item = CatalogueItem(
        code=item_in.code,
        owning_level=access.level_of(item_in.owning_division),
        owning_division=item_in.owning_division,
        current_version=1,
    )
    if await insert_or_conflict(session, item, on={"uq_catalogue_items_code"}):
        raise ItemCodeTaken(f"an item with code {item_in.code} exists")
    version = _version(item, item_in, 1, principal.subject)
    session.add(version)
    await session.flush()
    return await _published(session, item, version)


async def revise_item(
    session: AsyncSession, *, item_id: uuid.UUID, rules: ItemRules, principal: Principal
) -> ItemRead:
    """Publish the next version; applications filed before keep theirs."""
    repository = CatalogueRepository(session)
    item = await repository.item(item_id, for_update=True)
    if item is None or not principal.covers(item.owning_division):
        principal.require_role(*access.STAFF_ROLES)
        raise ItemNotFound()
    access.require_owner(principal, item.owning_division)
    for code in rules.divisions:
        if not code.startswith(item.owning_division):
            raise OutsideOwner(code)
    item.current_version += 1
    version = _version(item, rules, item.current_version, principal.subject)
    session.add(version)
    await session.flush()
    return await _published(session, item, version)


async def _audience(session: AsyncSession, principal: Principal, community: str | None) -> str:
    """The community (residents: their own) or division whose offer is read."""
    if principal.has_role(*access.STAFF_ROLES, Role.GRID_WORKER):
        code = community or principal.scope
        principal.require_scope(code)
        return code
    resident = await access.calling_resident(session, principal)
    if community is not None and community != resident.community_code:
        principal.require_scope(community)  # 403: another community's offer is not asked here
    return resident.community_code


async def list_items(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[ItemRead]:
    """Items offered in a resident's community; for staff, offered anywhere within `division`."""
    code = await _audience(session, principal, division)
    where: ColumnElement[bool] = offered_in(code, subtree=len(code) < 12)
    rows = await CatalogueRepository(session).listing(
        where=where, after=LISTING.decode(cursor), limit=limit
    )
    reads = [read_item(item, version) for item, version in rows]
    return LISTING.page(reads, limit=limit, read=lambda read: read)


async def get_item(
    session: AsyncSession, *, principal: Principal, item_id: uuid.UUID, version: int | None = None
) -> ItemRead:
    """The item (its current version, or `version`) if offered to the caller."""
    repository = CatalogueRepository(session)
    item = await repository.item(item_id)
    if item is None:
        raise ItemNotFound()
    found = await repository.version(item_id, version or item.current_version)
    if found is None:
        raise ItemNotFound()
    code = await _audience(session, principal, None)
    within = len(code) < 12
    reachable = any(
        code.startswith(d) or (within and d.startswith(code)) for d in found.divisions
    ) or principal.covers(item.owning_division)
    if not reachable:
        raise ItemNotFound()
    return read_item(item, found)


async def versions(
    session: AsyncSession, *, principal: Principal, item_id: uuid.UUID
) -> list[ItemRead]:
    """Every version of an item, for its owner's staff."""
    principal.require_role(*access.STAFF_ROLES)
    repository = CatalogueRepository(session)
    item = await repository.item(item_id)
    if item is None or not principal.covers(item.owning_division):
        raise ItemNotFound()
    return [read_item(item, v) for v in await repository.versions(item_id)]
