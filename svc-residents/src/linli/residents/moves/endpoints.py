"""HTTP of moves (迁入/迁出/迁移)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.dependencies import Cipher
from linli.common.divisions import DivisionCodeStr
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from linli.residents.models import MoveKind, ResidentMove
from linli.residents.moves import service
from linli.residents.moves.schemas import MoveIn, MoveOut, MoveRead, MovesRecorded, MoveTransfer

router = APIRouter(prefix="/moves", tags=["moves"], route_class=IdempotentRoute)

_RECORD = "Only community workers and street admins record moves"


def _recorded(moves: list[ResidentMove]) -> MovesRecorded:
    return MovesRecorded(items=[MoveRead.from_model(move) for move in moves])


@router.post(
    "/in",
    response_model=MovesRecorded,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: f"{_RECORD}; or the destination community lies outside your scope",
            404: "No such household within your scope",
            409: "The person already lives in this household, or arrives as `head` of a household "
            "that has one",
            422: "Invalid fields (each listed), a move in the future, or an unknown community",
        }
    ),
)
async def move_in(
    session: DbSession, principal: CurrentPrincipal, cipher: Cipher, move_in: MoveIn
) -> MovesRecorded:
    """迁入, recorded by the receiving community: the person, named by ID number, joins a
    household (`household_id`) or the household at an address (`community_code` and `address`,
    founded when the dwelling has none). New to the platform: a record is created (`kind=in`).
    Moved out earlier: the same record returns (`kind=in`, same id). Living in another community
    of the platform: that record moves here (`kind=transfer`, same id) and the origin community
    sees the move too. Send an `Idempotency-Key`."""
    return _recorded(
        await service.move_in(session, principal=principal, cipher=cipher, move_in=move_in)
    )


@router.post(
    "/out",
    response_model=MovesRecorded,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: _RECORD,
            404: "No such resident or household within your scope",
            409: "The household has no residents (delete it instead)",
            422: "Invalid fields, or a move in the future",
        }
    ),
)
async def move_out(
    session: DbSession, principal: CurrentPrincipal, move_out: MoveOut
) -> MovesRecorded:
    """迁出, recorded by the leaving community: a resident (`resident_id`) or a whole household
    (`household_id`, one move per member) leaves the platform's area. Records are kept, inactive,
    out of every list and count; a household left empty is closed. Send an `Idempotency-Key`."""
    return _recorded(await service.move_out(session, principal=principal, move_out=move_out))


@router.post(
    "/transfer",
    response_model=MovesRecorded,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: f"{_RECORD}; or the destination address lies outside your scope",
            404: "No such resident, household or dwelling within your scope",
            409: "Already living there, a second `head` for the household, the dwelling has a "
            "household, or the household has no "
            "residents",
            422: "Invalid fields, one subject and one destination needed, or a move in the future",
        }
    ),
)
async def transfer(
    session: DbSession, principal: CurrentPrincipal, transfer_in: MoveTransfer
) -> MovesRecorded:
    """A move whose both ends lie in your scope (between dwellings of a community; for a street
    admin, between communities of the street). A resident joins a household
    (`to_household_id`, or `to_community_code` and `to_address`); a whole household moves to an
    empty dwelling (`to_dwelling_id`, or an address), keeping its id. Send an `Idempotency-Key`."""
    return _recorded(await service.transfer(session, principal=principal, transfer_in=transfer_in))


@router.get(
    "",
    response_model=Page[MoveRead],
    responses=problem_responses(
        {
            403: "Your role may not read moves, or `division` lies outside your scope",
            422: "A filter is invalid, or the cursor is not one we gave",
        }
    ),
)
async def list_moves(
    session: DbSession,
    principal: CurrentPrincipal,
    division: Annotated[
        DivisionCodeStr | None,
        Query(
            description="Moves from OR to this division (a community, or a street/district/city "
            "code for its subtree); defaults to your scope. Outside your scope: 403."
        ),
    ] = None,
    resident_id: Annotated[uuid.UUID | None, Query()] = None,
    kind: Annotated[MoveKind | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[MoveRead]:
    """Moves whose origin or destination lies in the division, newest first: a move between two
    streets appears in both streets' lists."""
    return await service.list_moves(
        session,
        principal=principal,
        division=division,
        resident_id=resident_id,
        kind=kind,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/{move_id:uuid}",
    response_model=MoveRead,
    responses=problem_responses(
        {403: "Your role may not read moves", 404: "No such move touching your scope"}
    ),
)
async def get_move(session: DbSession, principal: CurrentPrincipal, move_id: uuid.UUID) -> MoveRead:
    """One move, for staff whose scope holds its origin or its destination."""
    return MoveRead.from_model(
        await service.get_move(session, principal=principal, move_id=move_id)
    )
