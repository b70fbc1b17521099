"""The OpenAPI document tells what the service answers: problems as problem+json, the 400 of an
unreadable body, the patterns of codes, and no path that captures another's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from linli.common.auth import Role
from linli.testing.tokens import TestIssuer


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


async def test_every_refusal_is_documented_as_the_problem_it_is(document: dict[str, Any]) -> None:
    problem = {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert answer["content"] == {"application/problem+json": problem}, (
                    method,
                    path,
                    status,
                )
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ProblemDetails"]["properties"]["errors"]


async def test_an_unreadable_body_is_documented_where_a_json_body_is_taken(
    client: httpx.AsyncClient, issuer: TestIssuer, document: dict[str, Any]
) -> None:
    with_body = [
        (method, path, operation)
        for method, path, operation in operations(document)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert with_body
    assert all("400" in operation["responses"] for _, _, operation in with_body)

    response = await client.post(
        "/registrations",
        content=b'{"name": "\xff"}',
        headers={
            **issuer.headers(roles=[Role.RESIDENT]),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_codes_carry_their_patterns(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    registration = schemas["RegistrationCreate"]["properties"]
    assert registration["community_code"]["pattern"] == "^[0-9]{12}$"
    assert registration["id_number"]["pattern"] == "^[1-9][0-9]{16}[0-9Xx]$"
    assert registration["phone"]["pattern"] == "^1[3-9][0-9]{9}$"
    [division] = [
        p for p in document["paths"]["/grids"]["get"]["parameters"] if p["name"] == "division"
    ]
    [code] = [s for s in division["schema"]["anyOf"] if s.get("type") == "string"]
    assert code["pattern"] == "^([0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"


@pytest.mark.parametrize(
    "path", ["/moves/in", "/moves/out", "/moves/transfer", "/imports/residents"]
)
async def test_a_get_of_a_post_only_path_is_405_not_a_bad_id(
    client: httpx.AsyncClient, issuer: TestIssuer, path: str
) -> None:
    response = await client.get(path, headers=issuer.headers(roles=[Role.CITY_ADMIN], scope="3301"))

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_malformed_id_in_a_path_is_404_like_one_that_does_not_exist(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    response = await client.get(
        "/moves/not-a-move", headers=issuer.headers(roles=[Role.CITY_ADMIN], scope="3301")
    )

    assert response.status_code == 404
