"""Rules of 一件事 bundles: defining them, and a bundle filing's completion — when its last item
is completed, once, under the filing's row lock (two items completed at the same moment by two
workers see each other's result)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.outbox import events_of
from linli.service_hall import access
from linli.service_hall.applications.repository import ApplicationRepository
from linli.service_hall.bundles.events import (
    BundleClosed,
    BundleCompleted,
    BundleDefined,
    BundleFiled,
)
from linli.service_hall.bundles.schemas import BundleCreate, BundleRead
from linli.service_hall.catalogue.errors import ItemCodeTaken, ItemNotFound, OutsideOwner
from linli.service_hall.catalogue.repository import CatalogueRepository
from linli.service_hall.catalogue.service import read_item
from linli.service_hall.models import ApplicationStatus, Bundle, Filing, FilingStatus


async def create(
    session: AsyncSession, *, bundle_in: BundleCreate, principal: Principal
) -> BundleRead:
    """A bundle of items that are each offered within the owner's division."""
    access.require_owner(principal, bundle_in.owning_division)
    found = await CatalogueRepository(session).current_many(bundle_in.item_ids)
    for item_id in bundle_in.item_ids:
        if item_id not in found:
            raise ItemNotFound(f"no item {item_id}")
        _, version = found[item_id]
        if not any(
            d.startswith(bundle_in.owning_division) or bundle_in.owning_division.startswith(d)
            for d in version.divisions
        ):
            raise OutsideOwner(bundle_in.owning_division)
    bundle = Bundle(**bundle_in.model_dump())
    if await insert_or_conflict(session, bundle, on={"uq_bundles_code"}):
        raise ItemCodeTaken(f"a bundle with code {bundle_in.code} exists")
    await events_of(session).record(
        BundleDefined(
            community_code=bundle.owning_division,
            bundle_id=bundle.id,
            bundle_code=bundle.code,
            item_ids=list(bundle.item_ids),
        ),
        subject_id=bundle.id,
    )
    return await read(session, bundle)


async def read(session: AsyncSession, bundle: Bundle) -> BundleRead:
    found = await CatalogueRepository(session).current_many(bundle.item_ids)
    return BundleRead(
        id=bundle.id,
        code=bundle.code,
        name=bundle.name,
        description=bundle.description,
        owning_division=bundle.owning_division,
        items=[read_item(*found[i]) for i in bundle.item_ids if i in found],
        created_at=bundle.created_at,
    )


async def list_bundles(
    session: AsyncSession, *, principal: Principal, division: str | None
) -> list[BundleRead]:
    """Bundles whose every item is offered in the resident's community; for staff, those owned
    within (or above) `division`."""
    if access.is_staff(principal):
        code = division or principal.scope
        principal.require_scope(code)
    else:
        code = (await access.calling_resident(session, principal)).community_code
    bundles: Sequence[Bundle] = (
        await session.scalars(select(Bundle).order_by(Bundle.code).limit(200))
    ).all()
    shown = []
    for bundle in bundles:
        if not (bundle.owning_division.startswith(code) or code.startswith(bundle.owning_division)):
            continue
        result = await read(session, bundle)
        if len(code) == 12 and not all(
            any(code.startswith(d) for d in item.divisions) for item in result.items
        ):
            continue
        shown.append(result)
    return shown


async def get(session: AsyncSession, *, principal: Principal, bundle_id: uuid.UUID) -> BundleRead:
    for bundle in await list_bundles(session, principal=principal, division=None):
        if bundle.id == bundle_id:
            return bundle
    raise ItemNotFound("no such bundle, or not one offered to you")


def _event_fields(
    filing: Filing, bundle: Bundle, application_ids: list[uuid.UUID], at: datetime
) -> dict[str, object]:
    return {
        "community_code": filing.community_code,
        "filing_id": filing.id,
        "bundle_id": bundle.id,
        "bundle_code": bundle.code,
        "application_ids": application_ids,
        "at": at,
    }


async def record_filed(
    session: AsyncSession, *, filing: Filing, bundle: Bundle, at: datetime
) -> None:
    applications = await ApplicationRepository(session).of_filing(filing.id)
    await events_of(session).record(
        BundleFiled(**_event_fields(filing, bundle, [a.id for a in applications], at)),
        subject_id=filing.id,
    )


async def on_decided(session: AsyncSession, *, filing_id: uuid.UUID, at: datetime) -> None:
    """An application of the filing was completed or rejected: close the filing when all are,
    `completed` when every one was (a bundle's `bundle.completed`)."""
    repository = ApplicationRepository(session)
    filing = await repository.filing(filing_id, for_update=True)
    assert filing is not None
    if filing.status is not FilingStatus.OPEN:
        return
    applications = await repository.of_filing(filing_id)
    statuses = [a.status for a in applications]
    if any(s not in (ApplicationStatus.COMPLETED, ApplicationStatus.REJECTED) for s in statuses):
        return
    rejected = [a.id for a in applications if a.status is ApplicationStatus.REJECTED]
    filing.status = FilingStatus.CLOSED if rejected else FilingStatus.COMPLETED
    filing.completed_at = at
    filing.updated_at = at
    bundle = await session.get(Bundle, filing.bundle_id) if filing.bundle_id else None
    if bundle is None:
        return
    fields = _event_fields(filing, bundle, [a.id for a in applications], at)
    event = BundleClosed(**fields, rejected=rejected) if rejected else BundleCompleted(**fields)
    await events_of(session).record(event, subject_id=filing.id)
