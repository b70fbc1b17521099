"""Rules of Open311: clients issued by staff, requests that become incidents, and what a client
reads back in the standard's words.

A request posted by an app is an incident like any other (source `open311`, its reporter the
app), dispatched, escalated and resolved by the same rules. The public reads (`GET requests`)
answer only incidents that came in through Open311: what a resident reported in the mini-program
was not posted to a public feed.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.divisions import Level
from linli.grid import access
from linli.grid.access import Actor
from linli.grid.credentials import hashed, new_secret
from linli.grid.incidents import events as ev
from linli.grid.incidents import service as incidents
from linli.grid.incidents.machine import OPEN
from linli.grid.incidents.repository import IncidentRepository
from linli.grid.models import (
    Incident,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    Open311Client,
    Open311Request,
)
from linli.grid.open311.errors import ClientNotFound, Open311Error, bad_request
from linli.grid.open311.formats import timestamp
from linli.grid.open311.parse import DEFAULT_WINDOW, MAX_RESULTS, PostedRequest, RequestQuery
from linli.grid.open311.schemas import ATTRIBUTES, ClientCreate
from linli.grid.places.repository import PlaceRepository

# Staff of every level issue keys to the apps of their scope.
CLIENT_ROLES = tuple(access.LEVEL_ROLE.values())
CLIENT_ROLE = "open311_client"


# --- clients (staff, bearer tokens) --------------------------------------------------------------


async def create_client(
    session: AsyncSession, *, client_in: ClientCreate, principal: Principal
) -> tuple[Open311Client, str]:
    """The client and its api_key, which is returned this once and stored only hashed."""
    principal.require_role(*CLIENT_ROLES)
    division = client_in.division_code or principal.scope
    principal.require_scope(division)
    key = new_secret()
    client = Open311Client(
        name=client_in.name,
        division_code=division,
        key_hash=hashed(key),
        created_by=principal.subject,
    )
    session.add(client)
    await session.flush()
    return client, key


async def list_clients(session: AsyncSession, *, principal: Principal) -> Sequence[Open311Client]:
    principal.require_role(*CLIENT_ROLES)
    statement = (
        select(Open311Client)
        .where(Open311Client.division_code.startswith(principal.scope, autoescape=True))
        .order_by(Open311Client.created_at, Open311Client.id)
    )
    return (await session.scalars(statement)).all()


async def revoke_client(
    session: AsyncSession, *, client_id: uuid.UUID, principal: Principal
) -> None:
    principal.require_role(*CLIENT_ROLES)
    client = await session.get(Open311Client, client_id, with_for_update=True)
    if client is None or not principal.covers(client.division_code):
        raise ClientNotFound()
    if client.revoked_at is None:
        client.revoked_at = datetime.now(UTC)


async def authenticated_client(session: AsyncSession, api_key: str | None) -> Open311Client:
    """The client whose key this is: 403 in the standard's words for anything else."""
    if not api_key:
        raise Open311Error(403, "api_key: required to post a request")
    client = await session.scalar(
        select(Open311Client).where(Open311Client.key_hash == hashed(api_key))
    )
    # Found by the key's hash: timing tells an attacker about hashes, never about keys.
    if client is None:
        raise Open311Error(403, "api_key: not a key this endpoint issued")
    if client.revoked_at is not None:
        raise Open311Error(403, "api_key: this key was revoked")
    return client


# --- services ------------------------------------------------------------------------------------


def service_item(category: IncidentCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": (
            f"{category.name}: dispatched within {category.dispatch_sla_minutes} minutes, "
            f"resolved within {category.resolve_sla_hours} hours, "
            f"handled first at the {category.owner_level.value} level"
        ),
        "metadata": True,
        "type": "realtime",
        "keywords": category.code.replace(".", ","),
        "group": category.code.split(".")[0],
    }


async def services(session: AsyncSession) -> list[dict[str, Any]]:
    return [service_item(c) for c in await IncidentRepository(session).categories()]


async def definition(session: AsyncSession, code: str) -> dict[str, Any]:
    category = await IncidentRepository(session).category(code)
    if category is None:
        raise Open311Error(404, f"service_code: no service {code[:64]!r}")
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": f"at most {a.max_length} characters",
                "order": a.order,
                "description": a.description,
                **({"values": [{"key": k, "name": n} for k, n in a.values]} if a.values else {}),
            }
            for a in ATTRIBUTES
        ],
    }


# --- posting -------------------------------------------------------------------------------------


async def post_request(session: AsyncSession, *, posted: PostedRequest) -> dict[str, Any]:
    """The request as an incident at its category's level, reported by the client's app."""
    client = await authenticated_client(session, posted.api_key)
    category = await IncidentRepository(session).category(posted.service_code)
    if category is None:
        raise bad_request(f"service_code: no service {posted.service_code!r}")
    community_code, grid_id = await _place(session, posted, client)
    name = f"{posted.last_name or ''}{posted.first_name or ''}"
    who = Actor(
        subject=f"open311:{client.id}",
        role=CLIENT_ROLE,
        name_masked=access.mask_name(name) if name.strip() else None,
    )
    text = posted.description or category.name
    title = posted.attributes.get("title") or text[:100]
    description = _description(text, posted.attributes)
    incident = Incident(
        community_code=community_code,
        grid_id=grid_id,
        building_id=posted.address_id,
        address=posted.address_string,
        latitude=posted.lat,
        longitude=posted.long,
        title=title[:100],
        description=description,
        source=IncidentSource.OPEN311,
        reporter_subject=who.subject,
        reporter_role=who.role,
        reporter_name_masked=who.name_masked,
    )
    incident = await incidents.open_incident(session, incident, category, who)
    token = secrets.token_urlsafe(16)
    session.add(
        Open311Request(
            incident_id=incident.id,
            client_id=client.id,
            token=token,
            attributes=posted.attributes,
            media_url=posted.media_url,
        )
    )
    await session.flush()
    return {
        "service_request_id": str(incident.id),
        "token": token,
        "service_notice": _notice(category),
        "account_id": None,
    }


def _description(text: str, attributes: dict[str, str]) -> str:
    lines = []
    if attributes.get("danger") == "yes":
        lines.append("【有人身危险 someone is in danger】")
    lines.append(text)
    if detail := attributes.get("place_detail"):
        lines.append(f"具体位置 where exactly: {detail}")
    return "\n".join(lines)


def _notice(category: IncidentCategory) -> str:
    return (
        f"dispatched within {category.dispatch_sla_minutes} minutes, "
        f"resolved within {category.resolve_sla_hours} hours"
    )


async def _place(
    session: AsyncSession, posted: PostedRequest, client: Open311Client
) -> tuple[str, uuid.UUID | None]:
    """The community (and grid) of the request, inside the area the client's key was issued for."""
    if posted.address_id is not None:
        building = await PlaceRepository(session).building(posted.address_id)
        if building is None:
            raise bad_request("address_id: no such building")
        community, grid_id = building.community_code, building.grid_id
    elif posted.jurisdiction_id is not None:
        community, grid_id = posted.jurisdiction_id, None
    elif len(client.division_code) == 12:
        community, grid_id = client.division_code, None
    else:
        raise bad_request("jurisdiction_id: the 12-digit community the request lies in")
    if not community.startswith(client.division_code):
        raise Open311Error(403, f"api_key: not issued for requests in {community}")
    return community, grid_id


# --- reading -------------------------------------------------------------------------------------

_NOTES = {
    IncidentStatus.REPORTED: "reported, waiting to be dispatched",
    IncidentStatus.DISPATCHED: "dispatched to a handler",
    IncidentStatus.ACCEPTED: "accepted by its handler",
    IncidentStatus.IN_PROGRESS: "being worked on",
    IncidentStatus.RESOLVED: "resolved by its handler",
    IncidentStatus.VERIFIED: "resolved and verified",
    IncidentStatus.CLOSED: "closed",
    IncidentStatus.RETURNED: "returned to the dispatcher",
    IncidentStatus.ESCALATED: "escalated",
}


def request_item(incident: Incident, request: Open311Request, service_name: str) -> dict[str, Any]:
    """One request in the standard's field names (`status` open or closed; the platform's
    finer state and level in `status_notes` and `agency_responsible`)."""
    is_open = incident.status in OPEN
    if incident.status is IncidentStatus.MERGED:
        notes = f"a duplicate of request {incident.merged_into_id}"
    else:
        notes = f"{_NOTES[incident.status]} ({incident.level.value} level)"
    return {
        "service_request_id": str(incident.id),
        "status": "open" if is_open else "closed",
        "status_notes": notes,
        "service_name": service_name,
        "service_code": incident.category_code,
        "description": incident.description,
        "agency_responsible": _agency(incident),
        "service_notice": None,
        "requested_datetime": timestamp(incident.created_at),
        "updated_datetime": timestamp(incident.updated_at),
        "expected_datetime": timestamp(incident.resolve_due_at) if is_open else None,
        "address": incident.address,
        "address_id": str(incident.building_id) if incident.building_id else None,
        "zipcode": None,
        "lat": incident.latitude,
        "long": incident.longitude,
        "media_url": request.media_url,
    }


def _agency(incident: Incident) -> str:
    code = ev.level_code(incident.community_code, incident.level)
    names = {
        Level.COMMUNITY: "community",
        Level.STREET: "street office",
        Level.DISTRICT: "district",
        Level.CITY: "city",
    }
    return f"{names[incident.level]} {code}"


def _requests() -> Select[Incident, Open311Request, str]:
    return (
        select(Incident, Open311Request, IncidentCategory.name)
        .join(Open311Request, Open311Request.incident_id == Incident.id)
        .join(IncidentCategory, IncidentCategory.code == Incident.category_code)
    )


async def find_requests(session: AsyncSession, query: RequestQuery) -> list[dict[str, Any]]:
    """`GET requests`: ids override every other filter (the standard's rule); without dates the
    last 90 days; newest first, at most 1,000."""
    statement = _requests()
    if query.ids:
        statement = statement.where(Incident.id.in_(query.ids))
    else:
        if query.service_codes:
            statement = statement.where(Incident.category_code.in_(query.service_codes))
        start = query.start
        if start is None and query.end is None:
            start = datetime.now(UTC) - DEFAULT_WINDOW
        if start is not None:
            statement = statement.where(Incident.created_at >= start)
        if query.end is not None:
            statement = statement.where(Incident.created_at <= query.end)
        if query.statuses == {"open"}:
            statement = statement.where(Incident.status.in_(OPEN))
        elif query.statuses == {"closed"}:
            statement = statement.where(Incident.status.not_in(OPEN))
    statement = statement.order_by(Incident.created_at.desc(), Incident.id).limit(MAX_RESULTS)
    rows = (await session.execute(statement)).all()
    return [request_item(incident, request, name) for incident, request, name in rows]


async def request_by_id(session: AsyncSession, raw_id: str) -> list[dict[str, Any]]:
    try:
        incident_id = uuid.UUID(raw_id)
    except ValueError:
        raise Open311Error(404, "service_request_id: no such request") from None
    row = (await session.execute(_requests().where(Incident.id == incident_id))).first()
    if row is None:
        raise Open311Error(404, "service_request_id: no such request")
    return [request_item(*row)]


async def request_by_token(session: AsyncSession, token: str) -> list[dict[str, Any]]:
    if len(token) > 64 or "\x00" in token:
        raise Open311Error(404, "token: no such token")
    request_id = await session.scalar(
        select(Open311Request.incident_id).where(Open311Request.token == token)
    )
    if request_id is None:
        raise Open311Error(404, "token: no such token")
    return [{"service_request_id": str(request_id), "token": token}]
