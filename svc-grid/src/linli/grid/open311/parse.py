"""What an Open311 client sends, checked field by field: bounded, NUL-free, ASCII numbers, and
only the standard's names (an unknown one is refused, never ignored)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from linli.common.divisions import COMMUNITY_CODE_PATTERN
from linli.grid.incidents.schemas import CATEGORY_CODE_PATTERN
from linli.grid.open311.errors import bad_request
from linli.grid.open311.schemas import ATTRIBUTES_BY_CODE

# The POST fields of GeoReport v2 and their bounds.
POST_FIELDS = {
    "api_key": 128,
    "jurisdiction_id": 64,
    "service_code": 64,
    "lat": 32,
    "long": 32,
    "address_string": 200,
    "address_id": 64,
    "email": 254,
    "device_id": 64,
    "account_id": 64,
    "first_name": 32,
    "last_name": 32,
    "phone": 32,
    "description": 4000,
    "media_url": 2000,
}
_ATTRIBUTE = re.compile(r"^attribute\[([a-z_]{1,32})\](\[\])?$", re.ASCII)
_NUMBER = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,15})?$", re.ASCII)
_CODE = re.compile(CATEGORY_CODE_PATTERN, re.ASCII)
_COMMUNITY = re.compile(COMMUNITY_CODE_PATTERN, re.ASCII)
_STATUSES = frozenset({"open", "closed"})
# The standard's defaults for a query without dates: the last 90 days, at most 1,000 requests.
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000


@dataclass(slots=True)
class PostedRequest:
    api_key: str | None = None
    service_code: str = ""
    jurisdiction_id: str | None = None
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: uuid.UUID | None = None
    first_name: str | None = None
    last_name: str | None = None
    description: str | None = None
    media_url: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def _text(name: str, value: str, limit: int) -> str:
    if "\x00" in value:
        raise bad_request(f"{name}: NUL characters are not accepted")
    value = value.strip()
    if len(value) > limit:
        raise bad_request(f"{name}: at most {limit} characters")
    return value


def _coordinate(name: str, value: str, bound: float) -> float:
    if not _NUMBER.fullmatch(value):
        raise bad_request(f"{name}: a decimal number in ASCII digits (WGS84 degrees)")
    number = float(value)
    if not -bound <= number <= bound:
        raise bad_request(f"{name}: between -{bound:g} and {bound:g}")
    return number


def parse_post(items: Iterable[tuple[str, str]]) -> PostedRequest:
    """The form of `POST requests`: 400 naming every field the standard does not define."""
    posted = PostedRequest()
    values: dict[str, str] = {}
    unknown: list[str] = []
    for name, raw in items:
        match = _ATTRIBUTE.fullmatch(name)
        if match:
            code = match.group(1)
            attribute = ATTRIBUTES_BY_CODE.get(code)
            if attribute is None:
                raise bad_request(f"attribute[{code}]: no such attribute of this service")
            value = _text(name, raw, attribute.max_length)
            if attribute.values and value not in {key for key, _ in attribute.values}:
                keys = ", ".join(key for key, _ in attribute.values)
                raise bad_request(f"attribute[{code}]: one of {keys}")
            if value:
                posted.attributes[code] = value
        elif name in POST_FIELDS:
            values[name] = _text(name, raw, POST_FIELDS[name])
        else:
            unknown.append(name[:40])
    if unknown:
        raise bad_request(*(f"{name}: not a field of GeoReport v2 requests" for name in unknown))
    posted.api_key = values.get("api_key") or None
    code = values.get("service_code", "")
    if not code:
        raise bad_request("service_code: required")
    if not _CODE.fullmatch(code):
        raise bad_request(f"service_code: no service {code!r}")
    posted.service_code = code
    posted.jurisdiction_id = values.get("jurisdiction_id") or None
    if posted.jurisdiction_id is not None and not _COMMUNITY.fullmatch(posted.jurisdiction_id):
        raise bad_request("jurisdiction_id: the 12-digit code of the community")
    lat, long = values.get("lat") or None, values.get("long") or None
    if (lat is None) != (long is None):
        raise bad_request("lat and long: give both or neither")
    if lat is not None and long is not None:
        posted.lat, posted.long = _coordinate("lat", lat, 90), _coordinate("long", long, 180)
    posted.address_string = values.get("address_string") or None
    if address_id := values.get("address_id"):
        posted.address_id = _uuid("address_id", address_id)
    if posted.lat is None and posted.address_string is None and posted.address_id is None:
        raise bad_request("a location is required: lat and long, address_string or address_id")
    posted.first_name = values.get("first_name") or None
    posted.last_name = values.get("last_name") or None
    posted.description = values.get("description") or None
    if media_url := values.get("media_url"):
        if not re.fullmatch(r"https?://[!-~]+", media_url, re.ASCII):
            raise bad_request("media_url: an http or https URL")
        posted.media_url = media_url
    # email, phone, device_id and account_id are accepted and not kept: the platform keeps no
    # clear contact data of an anonymous app user, and an incident's reporter is the app.
    return posted


def _uuid(name: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise bad_request(f"{name}: not an id this endpoint issued") from None


@dataclass(frozen=True, slots=True)
class RequestQuery:
    ids: tuple[uuid.UUID, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset()


def _list(name: str, value: str | None, limit: int) -> list[str]:
    if value is None:
        return []
    items = [item.strip() for item in _text(name, value, 40 * limit).split(",") if item.strip()]
    if len(items) > limit:
        raise bad_request(f"{name}: at most {limit} values")
    return items


def _datetime(name: str, value: str | None) -> datetime | None:
    if value is None or not value.strip():
        return None
    value = _text(name, value, 40)
    try:
        if not value.isascii():
            raise ValueError
        at = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{name}: a W3C date and time, e.g. 2026-12-01T00:00:00+08:00") from None
    if at.tzinfo is None:
        raise bad_request(f"{name}: give the time zone (Z or an offset)")
    return at


def parse_query(
    *,
    service_request_id: str | None,
    service_code: str | None,
    start_date: str | None,
    end_date: str | None,
    status: str | None,
) -> RequestQuery:
    ids = tuple(
        _uuid("service_request_id", v) for v in _list("service_request_id", service_request_id, 100)
    )
    codes = _list("service_code", service_code, 50)
    for code in codes:
        if not _CODE.fullmatch(code):
            raise bad_request(f"service_code: no service {code[:64]!r}")
    statuses = frozenset(_list("status", status, 2))
    if not statuses <= _STATUSES:
        raise bad_request("status: open or closed")
    start, end = _datetime("start_date", start_date), _datetime("end_date", end_date)
    if start is not None and end is not None and end < start:
        raise bad_request("end_date: after start_date")
    return RequestQuery(ids, tuple(codes), start, end, statuses)
