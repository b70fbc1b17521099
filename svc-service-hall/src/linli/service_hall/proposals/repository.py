"""Queries of proposals, their supports, comments and record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.service_hall.models.proposals import (
    Proposal,
    ProposalComment,
    ProposalStep,
    ProposalSupport,
)


class ProposalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, proposal_id: uuid.UUID, *, for_update: bool = False) -> Proposal | None:
        """The proposal; `for_update` locks its row: supports, moves and moderation of one
        proposal happen one after the other, and its counter never loses one."""
        statement = select(Proposal).where(Proposal.id == proposal_id)
        if for_update:
            statement = statement.with_for_update()
        proposal: Proposal | None = await self.session.scalar(
            statement.execution_options(populate_existing=True)
        )
        return proposal

    async def add_support(self, proposal_id: uuid.UUID, subject: str, community_code: str) -> bool:
        """Record the support; False when this resident had supported it already."""
        added = await self.session.scalar(
            insert(ProposalSupport)
            .values(
                proposal_id=proposal_id, supporter_subject=subject, community_code=community_code
            )
            .on_conflict_do_nothing()
            .returning(ProposalSupport.proposal_id)
        )
        return added is not None

    async def supports(self, proposal_id: uuid.UUID, subject: str) -> bool:
        found = await self.session.scalar(
            select(ProposalSupport.proposal_id).where(
                ProposalSupport.proposal_id == proposal_id,
                ProposalSupport.supporter_subject == subject,
            )
        )
        return found is not None

    async def comment(self, comment_id: uuid.UUID) -> ProposalComment | None:
        return await self.session.get(ProposalComment, comment_id, populate_existing=True)

    async def comments(self, proposal_id: uuid.UUID) -> Sequence[ProposalComment]:
        return (
            await self.session.scalars(
                select(ProposalComment)
                .where(ProposalComment.proposal_id == proposal_id)
                .order_by(ProposalComment.created_at, ProposalComment.id)
            )
        ).all()

    async def steps(self, proposal_id: uuid.UUID) -> Sequence[ProposalStep]:
        return (
            await self.session.scalars(
                select(ProposalStep)
                .where(ProposalStep.proposal_id == proposal_id)
                .order_by(ProposalStep.id)
            )
        ).all()


def reaching(community_code: str) -> ColumnElement[bool]:
    """Proposals a community's residents see: the community's own and its street's."""
    return Proposal.division_code.in_([community_code, community_code[:9]])


def staff_reach(scope: str, division: str) -> ColumnElement[bool]:
    """Proposals of `division` (in the caller's scope) and below it, and those of the street
    above a community (its worker sees the street's proposals too)."""
    above = [division[:9]] if len(division) == 12 else []
    return or_(within_division(Proposal.division_code, division), Proposal.division_code.in_(above))


# Newest first; the id breaks ties.
LISTING = Keyset(Proposal.created_at, Proposal.id, descending=True)
# The agenda: in the order proposals were taken up.
AGENDA = Keyset(Proposal.on_agenda_at, Proposal.id)
