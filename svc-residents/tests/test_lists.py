"""Every list of the service, as the kernel kit makes it: one `division` filter, cursors we
never handed out refused as `invalid-cursor`, and unknown query parameters refused by name."""

from __future__ import annotations

import base64

import httpx
import pytest

from linli.common.auth import Role
from linli.testing.tokens import TestIssuer

pytestmark = pytest.mark.usefixtures("tree")

COMMUNITY = "330108001001"
# Lists a community worker reads, by path; units and dwellings are lists of one building/unit.
LISTS = [
    "/grids",
    "/courts",
    "/buildings",
    "/households",
    "/residents",
    "/registrations",
    "/change-requests",
    "/moves",
    "/divisions",
]
FILTERED_BY_DIVISION = [path for path in LISTS if path != "/divisions"]


def worker(issuer: TestIssuer) -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=COMMUNITY, subject="worker")


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


HOSTILE_CURSORS = {
    # As deep as httpx lets a URL be (the kernel's own tests decode 100,000 levels).
    "20000 nested lists": _cursor(b"[" * 20_000 + b"]" * 20_000),
    "nested within the length bound": _cursor(b"[" * 300 + b"]" * 300),
    "a NUL in a code": _cursor(b'["\\u0000", "00000000-0000-0000-0000-000000000000"]'),
    "wrongly typed": _cursor(b"[1, 2]"),
    "truncated": _cursor(b'["330108001001", "0000'),
    "not base64": "%%%",
}


async def _unit_and_dwelling_lists(client: httpx.AsyncClient, issuer: TestIssuer) -> list[str]:
    building = await client.post(
        "/buildings", json={"community_code": COMMUNITY, "name": "3幢"}, headers=worker(issuer)
    )
    assert building.status_code == 201, building.text
    unit = await client.post(
        f"/buildings/{building.json()['id']}/units", json={"name": "2单元"}, headers=worker(issuer)
    )
    assert unit.status_code == 201, unit.text
    return [f"/buildings/{building.json()['id']}/units", f"/units/{unit.json()['id']}/dwellings"]


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS.values(), ids=HOSTILE_CURSORS.keys())
async def test_a_cursor_we_did_not_hand_out_is_422_invalid_cursor_on_every_list(
    client: httpx.AsyncClient, issuer: TestIssuer, cursor: str
) -> None:
    paths = LISTS + await _unit_and_dwelling_lists(client, issuer)
    for path in paths:
        response = await client.get(path, params={"cursor": cursor}, headers=worker(issuer))

        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/invalid-cursor"), path
        assert response.json()["errors"][0]["field"] == "query.cursor"
    assert (await client.get("/healthz")).status_code == 200


async def test_every_list_takes_the_division_filter_by_that_name(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    for path in FILTERED_BY_DIVISION:
        mine = await client.get(path, params={"division": COMMUNITY}, headers=worker(issuer))
        other = await client.get(path, params={"division": "330108002"}, headers=worker(issuer))

        assert mine.status_code == 200, (path, mine.text)
        assert other.status_code == 403, (path, other.text)


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_an_unknown_query_parameter_is_refused_by_name(
    client: httpx.AsyncClient, issuer: TestIssuer, language: str
) -> None:
    headers = worker(issuer) | {"Accept-Language": language}
    paths = (
        LISTS
        + await _unit_and_dwelling_lists(client, issuer)
        + ["/stats", "/exports/residents.csv"]
    )
    for path in paths:
        # The old name of the division filter on some lists: ignored, it returned the whole scope.
        response = await client.get(
            path, params={"community_code": "330108002001"}, headers=headers
        )

        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == ["query.community_code"], path
        assert errors[0]["message"] == (
            "Unknown query parameter" if language == "en" else "不接受此字段"
        )


async def test_known_parameters_the_docs_and_the_probes_are_unaffected(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    listed = await client.get(
        "/residents",
        params={"division": COMMUNITY, "limit": 5, "tag": "elderly", "cursor": ""},
        headers=worker(issuer),
    )
    assert listed.status_code == 200, listed.text
    # The docs pages, probes and metrics are not operations of the API: any query passes.
    for path in ("/openapi.json", "/docs", "/redoc", "/healthz", "/metrics"):
        assert (await client.get(path, params={"x": "1"})).status_code == 200, path
    # A path parameter is not a query parameter: naming it in the query is still unknown.
    assert (
        await client.get(
            "/grids/00000000-0000-4000-8000-000000000000",
            params={"grid_id": "x"},
            headers=worker(issuer),
        )
    ).status_code == 422
