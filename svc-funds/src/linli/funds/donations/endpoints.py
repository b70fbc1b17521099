"""HTTP of donations: pledge (an intent at the provider), the provider's signed callback, refunds,
and the fund's public list of donors (anonymised by their choice)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, status
from fastapi.responses import HTMLResponse

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from linli.funds.caching import PUBLIC, FundsRoute
from linli.funds.donations import service
from linli.funds.donations.providers import Provider
from linli.funds.donations.schemas import (
    CallbackAnswer,
    DonationCreate,
    DonationRead,
    PublicDonation,
)

router = APIRouter(tags=["donations"], route_class=FundsRoute)
# The provider's callback carries no token (its signature stands for it): no idempotency claim.
callbacks = APIRouter(tags=["donations"])


@router.post(
    "/funds/{fund_id}/donations",
    response_model=DonationRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            404: "No such fund",
            422: "Invalid fields: an amount must be a whole number of fen, at least 1",
        }
    ),
)
async def pledge(
    session: DbSession,
    principal: CurrentPrincipal,
    provider: Provider,
    fund_id: uuid.UUID,
    donation_in: DonationCreate,
) -> DonationRead:
    """Give to a fund, from 1 fen (1 yuan is 100). The answer is an intent: pay at `pay_url`;
    the donation is posted when the provider confirms. `anonymous: true` shows 爱心人士 instead
    of your name on the public pages. Send an `Idempotency-Key`."""
    return await service.pledge(
        session, principal=principal, provider=provider, fund_id=fund_id, donation_in=donation_in
    )


@callbacks.post(
    "/donations/callbacks/dev",
    response_model=CallbackAnswer,
    responses=problem_responses(
        {
            403: "The signature is missing or does not match the body",
            404: "No such intent",
            422: "The amount differs from the intent's, or the body is no confirmation",
        },
        authenticated=False,
    ),
)
async def provider_callback(
    session: DbSession,
    provider: Provider,
    request: Request,
    x_linli_signature: Annotated[str | None, Header()] = None,
) -> CallbackAnswer:
    """The development provider's confirmation: `{"provider_ref", "amount_fen", "status"}`,
    signed with HMAC-SHA256 over the raw body in `X-Linli-Signature`. Posted once; a replay
    answers `unchanged`."""
    return await service.confirm(
        session, provider=provider, body=await request.body(), signature=x_linli_signature
    )


@router.post(
    "/donations/{donation_id}/refund",
    response_model=DonationRead,
    responses=problem_responses(
        {
            403: "Only the fund's staff refund donations",
            404: "No such donation within your scope",
            409: "Not received (or refunded already), or the fund has spent the money "
            "(`balance_fen` says what it holds)",
        }
    ),
)
async def refund(
    session: DbSession, principal: CurrentPrincipal, donation_id: uuid.UUID
) -> DonationRead:
    """Give a received donation back: a reversing entry on the ledger, never an edit."""
    return await service.refund(session, principal=principal, donation_id=donation_id)


@router.get(
    "/donations/{donation_id}/receipt",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "The printable receipt"},
        **problem_responses(
            {
                404: "No such donation of yours (or of a fund you manage)",
                409: "Not received yet: no receipt",
            }
        ),
    },
)
async def receipt(
    session: DbSession, principal: CurrentPrincipal, donation_id: uuid.UUID
) -> HTMLResponse:
    """The donation's numbered receipt as a printable page (print it, or save it as PDF from
    the browser), for the donor and the fund's staff."""
    page = await service.receipt(session, principal=principal, donation_id=donation_id)
    return HTMLResponse(page, headers={"Cache-Control": "private, no-store"})


@router.get(
    "/funds/{fund_id}/donations",
    response_model=Page[PublicDonation],
    responses=problem_responses(
        {404: "No such fund", 422: "The cursor is not one we gave"}, authenticated=False
    ),
    openapi_extra=PUBLIC,
)
async def list_donations(
    session: DbSession, fund_id: uuid.UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[PublicDonation]:
    """Received (and refunded) donations, newest first, the donor's name only when they allowed
    it; public."""
    return await service.list_public(session, fund_id=fund_id, cursor=cursor, limit=limit)
