"""HTTP API of Open311: GeoReport v2 at `/open311/v2/` (public through the gateway under the
same path), and `/open311-clients` where staff issue and revoke the apps' api_keys."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.errors import LinliError
from linli.common.openapi import problem_responses
from linli.grid.open311 import service
from linli.grid.open311.errors import Open311Error, bad_request
from linli.grid.open311.formats import Format, error_response, format_of, path_format, render
from linli.grid.open311.parse import POST_FIELDS, parse_post, parse_query
from linli.grid.open311.schemas import ClientCreate, ClientCreated, ClientRead

# --- the staff API -------------------------------------------------------------------------------

clients_router = APIRouter(prefix="/open311-clients", tags=["open311"])


@clients_router.post(
    "",
    response_model=ClientCreated,
    status_code=201,
    summary="Issue an Open311 api_key to a client application",
    responses=problem_responses(
        {403: "Staff of a level only, in a division of their scope", 422: "Invalid body"}
    ),
)
async def create_client(
    session: DbSession, principal: CurrentPrincipal, client_in: ClientCreate
) -> ClientCreated:
    """A civic-reporting app that may post requests in a division of your scope. The answer
    holds its `api_key`, shown this once and stored only hashed."""
    client, key = await service.create_client(session, client_in=client_in, principal=principal)
    return ClientCreated(**ClientRead.model_validate(client).model_dump(), api_key=key)


@clients_router.get(
    "",
    response_model=list[ClientRead],
    summary="List the Open311 clients of your scope",
    responses=problem_responses({403: "Staff of a level only"}),
)
async def list_clients(session: DbSession, principal: CurrentPrincipal) -> list[ClientRead]:
    return [
        ClientRead.model_validate(c)
        for c in await service.list_clients(session, principal=principal)
    ]


@clients_router.delete(
    "/{client_id}",
    status_code=204,
    summary="Revoke an Open311 client's api_key",
    responses=problem_responses(
        {403: "Staff of a level only", 404: "No such client of your scope"}
    ),
)
async def revoke_client(
    session: DbSession, principal: CurrentPrincipal, client_id: uuid.UUID
) -> Response:
    """Its posts are refused (403) from now on; what it posted stays."""
    await service.revoke_client(session, client_id=client_id, principal=principal)
    return Response(status_code=204)


# --- GeoReport v2 --------------------------------------------------------------------------------


class Open311Route(APIRoute):
    """Every refusal of these routes in the standard's error format, in the format the path
    asked for: a list of `code` and `description` (400, 403, 404), never problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except Open311Error as error:
                return error_response(path_format(request.url.path), error)
            except RequestValidationError as error:
                descriptions = [_described(e) for e in error.errors()]
                return error_response(path_format(request.url.path), bad_request(*descriptions))
            except LinliError as error:
                status = 400 if error.status == 422 else error.status
                refusal = Open311Error(status, error.detail or error.title_en)
                return error_response(path_format(request.url.path), refusal)

        return answer


def _described(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
    return f"{where}: {error.get('msg', 'invalid')}"


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request: `[{code, description}]` (or `<errors>` in XML)"},
    403: {"description": "No valid api_key"},
    404: {"description": "No such service, request, token or format"},
}
# Accepted on every call (multi-jurisdiction clients send it); one endpoint serves the city.
Jurisdiction = Annotated[
    str | None, Query(max_length=64, description="A community's code; not needed on reads")
]
ApiKey = Annotated[str | None, Query(max_length=128, description="Not needed on reads")]


Fmt = Annotated[str, Path(description="`json` or `xml`", max_length=8)]
MAX_FORM_BYTES = 64 * 1024
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$", re.ASCII)


@router.get(
    "/discovery.{fmt}",
    summary="GeoReport v2: service discovery (this endpoint, its formats)",
    responses={200: {"description": "`discovery`"}, **_ERRORS},
)
async def discovery(request: Request, fmt: Fmt) -> Response:
    """Where a client finds this endpoint: its URL as the caller reached it, the specification,
    and the formats."""
    chosen = format_of(fmt)
    # The gateway names the public host and scheme (and drops any a client sent).
    host = request.headers.get("x-forwarded-host") or request.url.netloc
    scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
    if not _HOST.fullmatch(host) or scheme not in ("http", "https"):
        host, scheme = request.url.netloc, request.url.scheme
    endpoint: dict[str, Any] = {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": f"{scheme}://{host}/open311/v2",
        "changeset": "2026-12-03T00:00:00+08:00",
        "type": "production",
        "formats": ["application/json", "text/xml"],
    }
    if chosen is Format.XML:
        # In XML each endpoint and each format is an element of its own.
        endpoint = {**endpoint, "formats": {"format": endpoint["formats"]}}
    document: dict[str, Any] = {
        "changeset": "2026-12-03T00:00:00+08:00",
        "contact": "Your community's service centre (社区服务中心)",
        "key_service": "Ask your community's staff for an api_key (POST /api/grid/open311-clients)",
        "endpoints": {"endpoint": [endpoint]} if chosen is Format.XML else [endpoint],
    }
    return render(chosen, document, root="discovery")


@router.get(
    "/services.{fmt}",
    summary="GeoReport v2: list services (incident categories)",
    responses={200: {"description": "`[service]` or `<services>`"}, **_ERRORS},
)
async def list_services(
    session: DbSession, fmt: Fmt, jurisdiction_id: Jurisdiction = None, api_key: ApiKey = None
) -> Response:
    """Every incident category as a service, with `metadata` true (see its definition)."""
    chosen = format_of(fmt)
    return render(chosen, await service.services(session), root="services", item="service")


@router.get(
    "/services/{service_code}.{fmt}",
    summary="GeoReport v2: a service's definition (its attributes)",
    responses={200: {"description": "`service_definition`"}, **_ERRORS},
)
async def service_definition(
    session: DbSession,
    service_code: Annotated[str, Path(max_length=64)],
    fmt: Fmt,
    jurisdiction_id: Jurisdiction = None,
    api_key: ApiKey = None,
) -> Response:
    """The attributes a request of this service may carry (`attribute[code]=value`)."""
    chosen = format_of(fmt)
    document = await service.definition(session, service_code)
    if chosen is Format.XML:
        # In XML the list of attributes is an element per attribute, each list value likewise.
        document = {
            **document,
            "attributes": {
                "attribute": [
                    {**a, "values": {"value": a["values"]}} if "values" in a else a
                    for a in document["attributes"]
                ]
            },
        }
    return render(chosen, document, root="service_definition")


@router.post(
    "/requests.{fmt}",
    summary="GeoReport v2: post a service request (form-encoded, with api_key)",
    responses={
        200: {"description": "`[{service_request_id, token, service_notice, account_id}]`"},
        **_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["api_key", "service_code"],
                        "properties": {
                            name: {"type": "string", "maxLength": limit}
                            for name, limit in POST_FIELDS.items()
                        },
                        "additionalProperties": {"type": "string", "maxLength": 500},
                    }
                }
            },
        }
    },
)
async def post_request(
    request: Request,
    session: DbSession,
    fmt: Fmt,
    jurisdiction_id: Jurisdiction = None,
    api_key: ApiKey = None,
) -> Response:
    """The request becomes an incident of the service's category, at its first level, reported
    by the app (`api_key` in the body or the query); `attribute[<code>]` as its definition says.
    The app's user's email, phone and device id are accepted and not kept."""
    chosen = format_of(fmt)
    items = await _form(request)
    if api_key is not None:
        items.append(("api_key", api_key))
    if jurisdiction_id is not None:
        items.append(("jurisdiction_id", jurisdiction_id))
    answer = await service.post_request(session, posted=parse_post(items))
    return render(chosen, [answer], root="service_requests", item="request")


async def _form(request: Request) -> list[tuple[str, str]]:
    """The url-encoded form, read up to MAX_FORM_BYTES (the standard's bounded fields fill a few
    KB): a larger body is refused as soon as it is seen, not read on."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise bad_request("the body is a form: application/x-www-form-urlencoded")
    too_large = bad_request(f"the form may have at most {MAX_FORM_BYTES} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise too_large
    try:
        return parse_qsl(
            body.decode(),
            keep_blank_values=True,
            strict_parsing=bool(body),
            errors="strict",
            max_num_fields=100,
        )
    except (UnicodeDecodeError, ValueError):
        raise bad_request("the form could not be read (UTF-8, at most 100 fields)") from None


@router.get(
    "/requests.{fmt}",
    summary="GeoReport v2: query service requests",
    responses={200: {"description": "`[request]` or `<service_requests>`"}, **_ERRORS},
)
async def list_requests(
    session: DbSession,
    fmt: Fmt,
    service_request_id: Annotated[
        str | None,
        Query(max_length=4000, description="Comma-separated ids; overrides every other filter"),
    ] = None,
    service_code: Annotated[
        str | None, Query(max_length=2000, description="Comma-separated services")
    ] = None,
    start_date: Annotated[
        str | None, Query(max_length=40, description="W3C date-time, with its zone")
    ] = None,
    end_date: Annotated[
        str | None, Query(max_length=40, description="W3C date-time, with its zone")
    ] = None,
    status: Annotated[str | None, Query(max_length=20, description="open, closed or both")] = None,
    jurisdiction_id: Jurisdiction = None,
    api_key: ApiKey = None,
) -> Response:
    """Requests posted through Open311, newest first: without dates those of the last 90 days,
    at most 1,000."""
    chosen = format_of(fmt)
    query = parse_query(
        service_request_id=service_request_id,
        service_code=service_code,
        start_date=start_date,
        end_date=end_date,
        status=status,
    )
    found = await service.find_requests(session, query)
    return render(chosen, found, root="service_requests", item="request")


@router.get(
    "/requests/{service_request_id}.{fmt}",
    summary="GeoReport v2: one service request",
    responses={200: {"description": "`[request]` (a list of one)"}, **_ERRORS},
)
async def read_request(
    session: DbSession,
    service_request_id: Annotated[str, Path(max_length=64)],
    fmt: Fmt,
    jurisdiction_id: Jurisdiction = None,
    api_key: ApiKey = None,
) -> Response:
    chosen = format_of(fmt)
    found = await service.request_by_id(session, service_request_id)
    return render(chosen, found, root="service_requests", item="request")


@router.get(
    "/tokens/{token}.{fmt}",
    summary="GeoReport v2: the request id of a token",
    responses={200: {"description": "`[{service_request_id, token}]`"}, **_ERRORS},
)
async def read_token(
    session: DbSession,
    token: Annotated[str, Path(max_length=64)],
    fmt: Fmt,
    jurisdiction_id: Jurisdiction = None,
    api_key: ApiKey = None,
) -> Response:
    chosen = format_of(fmt)
    found = await service.request_by_token(session, token)
    return render(chosen, found, root="service_requests", item="request")
