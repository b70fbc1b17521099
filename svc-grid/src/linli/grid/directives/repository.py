"""Queries of directives: the communities below an issuer, targets, tallies, lists, revisions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, exists, func, select, union, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.grid.models import (
    Directive,
    DirectiveFile,
    DirectiveRevision,
    DirectiveTarget,
    PlaceBuilding,
    PlaceGrid,
    RosterHousehold,
)

# Newest first; the id breaks ties between directives issued in the same microsecond.
LISTING = Keyset(Directive.issued_at, Directive.id, descending=True)
# A directive's history, oldest first.
REVISIONS = Keyset(DirectiveRevision.revision, DirectiveRevision.id)


def _known_communities(prefix: str) -> Any:
    """Every community the grid knows within `prefix`: svc-grid holds no division tree, so a
    community is known by its grids, buildings and roster households (all from svc-residents'
    events), never by reading svc-residents' tables."""
    return union(
        select(PlaceGrid.community_code.label("code")).where(
            within_division(PlaceGrid.community_code, prefix), PlaceGrid.deleted_at.is_(None)
        ),
        select(PlaceBuilding.community_code).where(
            within_division(PlaceBuilding.community_code, prefix),
            PlaceBuilding.deleted_at.is_(None),
        ),
        select(RosterHousehold.community_code).where(
            within_division(RosterHousehold.community_code, prefix),
            RosterHousehold.deleted_at.is_(None),
        ),
    ).subquery()


class DirectiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def communities_within(self, prefix: str) -> list[str]:
        known = _known_communities(prefix)
        return list(await self.session.scalars(select(known.c.code).order_by(known.c.code)))

    async def known(self, prefix: str, codes: Iterable[str]) -> set[str]:
        """Those of `codes` the grid knows (all within `prefix`)."""
        known = _known_communities(prefix)
        wanted = list(codes)
        found = await self.session.scalars(select(known.c.code).where(known.c.code.in_(wanted)))
        return set(found)

    async def add_targets(self, directive_id: uuid.UUID, codes: Sequence[str]) -> None:
        await self.session.execute(
            insert(DirectiveTarget),
            [{"directive_id": directive_id, "community_code": code} for code in codes],
        )

    async def get(self, directive_id: uuid.UUID, *, for_update: bool = False) -> Directive | None:
        """The directive; `for_update` locks it, so amendments and the withdrawal of one
        directive happen one after the other."""
        if not for_update:
            return await self.session.get(Directive, directive_id)
        found: Directive | None = await self.session.scalar(
            select(Directive)
            .where(Directive.id == directive_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return found

    async def rearm(self, directive_id: uuid.UUID, *, overdue: bool, reminder: bool) -> None:
        """Forget the overdue notice (`overdue`) and the reminder (`reminder`) of every community
        still at it, so the rescheduled timers notify them again; completed rows keep theirs."""
        values: dict[str, Any] = {}
        if overdue:
            values["overdue_at"] = None
        if reminder:
            values["reminded_at"] = None
        if not values:
            return
        await self.session.execute(
            update(DirectiveTarget)
            .where(
                DirectiveTarget.directive_id == directive_id,
                DirectiveTarget.completed_at.is_(None),
                DirectiveTarget.withdrawn_at.is_(None),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def close_open(self, directive_id: uuid.UUID, at: datetime) -> set[str]:
        """Close every community not completed as withdrawn at `at`; the codes closed. One
        statement: a completion committed meanwhile is re-checked by PostgreSQL and kept."""
        closed = await self.session.scalars(
            update(DirectiveTarget)
            .where(
                DirectiveTarget.directive_id == directive_id,
                DirectiveTarget.completed_at.is_(None),
                DirectiveTarget.withdrawn_at.is_(None),
            )
            .values(withdrawn_at=at)
            .returning(DirectiveTarget.community_code)
            .execution_options(synchronize_session=False)
        )
        return set(closed)

    async def target_codes(self, directive_id: uuid.UUID) -> list[str]:
        """Every community the directive was sent to, by code."""
        return list(
            await self.session.scalars(
                select(DirectiveTarget.community_code)
                .where(DirectiveTarget.directive_id == directive_id)
                .order_by(DirectiveTarget.community_code)
            )
        )

    async def page_revisions(
        self, directive_id: uuid.UUID, *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[DirectiveRevision]:
        statement = REVISIONS.paginate(
            select(DirectiveRevision).where(DirectiveRevision.directive_id == directive_id),
            after=after,
            limit=limit,
        )
        return (await self.session.scalars(statement)).all()

    async def target(
        self, directive_id: uuid.UUID, community_code: str, *, for_update: bool = False
    ) -> DirectiveTarget | None:
        """One community's row; `for_update` locks it, so its acknowledgement, its completion
        and the deadline timer happen one after the other."""
        statement = select(DirectiveTarget).where(
            DirectiveTarget.directive_id == directive_id,
            DirectiveTarget.community_code == community_code,
        )
        if for_update:
            statement = statement.with_for_update()
        target: DirectiveTarget | None = await self.session.scalar(
            statement.execution_options(populate_existing=True)
        )
        return target

    async def reaches(self, directive_id: uuid.UUID, scope: str) -> bool:
        """Whether the directive was sent to a community of `scope`."""
        return bool(
            await self.session.scalar(
                select(
                    exists().where(
                        DirectiveTarget.directive_id == directive_id,
                        within_division(DirectiveTarget.community_code, scope),
                    )
                )
            )
        )

    async def targets(self, directive_id: uuid.UUID, scope: str) -> Sequence[DirectiveTarget]:
        """The directive's communities within `scope`, by code."""
        return (
            await self.session.scalars(
                select(DirectiveTarget)
                .where(
                    DirectiveTarget.directive_id == directive_id,
                    within_division(DirectiveTarget.community_code, scope),
                )
                .order_by(DirectiveTarget.community_code)
                # Fresh from the database: an amendment or a withdrawal may have just updated
                # the rows by statement.
                .execution_options(populate_existing=True)
            )
        ).all()

    async def laggards(
        self, directive_id: uuid.UUID, *, unmarked: Any
    ) -> Sequence[DirectiveTarget]:
        """Communities that have not completed and were not yet notified (`unmarked`: the
        column of the notice, null until sent), locked for the notice."""
        return (
            await self.session.scalars(
                select(DirectiveTarget)
                .where(
                    DirectiveTarget.directive_id == directive_id,
                    DirectiveTarget.completed_at.is_(None),
                    DirectiveTarget.withdrawn_at.is_(None),
                    unmarked.is_(None),
                )
                .order_by(DirectiveTarget.community_code)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).all()

    async def street_tallies(self, directive_id: uuid.UUID, scope: str) -> Sequence[Row[Any]]:
        """Per street of the directive's communities within `scope`: the status counts."""
        street = func.substr(DirectiveTarget.community_code, 1, 9).label("street_code")
        statement = (
            select(street, *tally_columns())
            .where(
                DirectiveTarget.directive_id == directive_id,
                within_division(DirectiveTarget.community_code, scope),
            )
            .group_by(street)
            .order_by(street)
        )
        return (await self.session.execute(statement)).all()

    async def tallies(self, directives: Sequence[Directive]) -> dict[uuid.UUID, Row[Any]]:
        """The counts of each directive over all its communities (an issuer's list)."""
        if not directives:
            return {}
        statement = (
            select(DirectiveTarget.directive_id, *tally_columns())
            .where(DirectiveTarget.directive_id.in_([d.id for d in directives]))
            .group_by(DirectiveTarget.directive_id)
        )
        return {row.directive_id: row for row in (await self.session.execute(statement)).all()}

    async def files(
        self, directive_id: uuid.UUID, *, scope: str | None = None
    ) -> Sequence[DirectiveFile]:
        """The issuer's attachments (`scope` None), or the evidence of communities in `scope`."""
        statement = select(DirectiveFile).where(DirectiveFile.directive_id == directive_id)
        if scope is None:
            statement = statement.where(DirectiveFile.community_code.is_(None))
        else:
            statement = statement.where(within_division(DirectiveFile.community_code, scope))
        statement = statement.order_by(
            DirectiveFile.community_code, DirectiveFile.created_at, DirectiveFile.id
        )
        return (await self.session.scalars(statement)).all()

    async def file(self, directive_id: uuid.UUID, file_id: uuid.UUID) -> DirectiveFile | None:
        found = await self.session.get(DirectiveFile, file_id)
        return found if found is not None and found.directive_id == directive_id else None

    async def page_issued(
        self, *, within: ColumnElement[bool], after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Directive]:
        statement = LISTING.paginate(select(Directive).where(within), after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def page_inbox(
        self, community_code: str, *, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Directive]:
        sent = exists().where(
            DirectiveTarget.directive_id == Directive.id,
            DirectiveTarget.community_code == community_code,
        )
        statement = LISTING.paginate(select(Directive).where(sent), after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def targets_of(
        self, directive_ids: Sequence[uuid.UUID], community_code: str
    ) -> dict[uuid.UUID, DirectiveTarget]:
        if not directive_ids:
            return {}
        found = await self.session.scalars(
            select(DirectiveTarget).where(
                DirectiveTarget.directive_id.in_(directive_ids),
                DirectiveTarget.community_code == community_code,
            )
        )
        return {target.directive_id: target for target in found}


def _count(condition: ColumnElement[bool]) -> Any:
    return func.count().filter(condition)


def tally_columns() -> list[Any]:
    """The status counts over target rows, as labelled columns (overdue is `not_completed` once
    the deadline has passed: the service knows the deadline and the time). A row closed by the
    withdrawal owes nothing: it counts as withdrawn, not as not acknowledged or not completed."""
    acknowledged = DirectiveTarget.acknowledged_at.is_not(None)
    completed = DirectiveTarget.completed_at.is_not(None)
    withdrawn = DirectiveTarget.withdrawn_at.is_not(None)
    return [
        func.count().label("targets"),
        _count(acknowledged).label("acknowledged"),
        _count(~acknowledged & ~withdrawn).label("not_acknowledged"),
        _count(completed).label("completed"),
        _count(~completed & ~withdrawn).label("not_completed"),
        _count(withdrawn).label("withdrawn"),
    ]
