"""The merged OpenAPI document and the Swagger UI."""

from __future__ import annotations

import re
from typing import Any

import httpx

from linli.gateway.openapi import component_prefix, prefix_document


async def test_merged_document_has_gateway_and_prefixed_upstream_paths(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/openapi.json")

    assert response.status_code == 200
    doc = response.json()
    paths = doc["paths"]
    assert "/auth/staff/login" in paths
    assert "/.well-known/jwks.json" in paths
    assert "/api/residents/registrations" in paths
    assert "/api/grid/registrations" in paths
    operation = paths["/api/residents/registrations"]["post"]
    assert operation["operationId"].startswith("residents__")
    assert operation["tags"] == ["residents/registrations"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/Residents_RegistrationCreate"
    schemas = doc["components"]["schemas"]
    assert "Residents_RegistrationCreate" in schemas
    assert "Grid_RegistrationCreate" in schemas
    assert "StaffLogin" in schemas
    assert sorted(doc["x-linli-unavailable"]) == ["funds", "jobs-coop", "service-hall"]
    assert not [p for p in paths if p.startswith("/api/funds")]
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


async def test_document_is_cached(client: httpx.AsyncClient) -> None:
    first = await client.get("/openapi.json")
    second = await client.get("/openapi.json")

    assert first.json() == second.json()


async def test_swagger_ui_shows_the_merged_document_with_local_assets(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", response.text)

    assert response.status_code == 200
    assert "url: '/openapi.json'" in response.text
    assert "cdn" not in response.text and "https://" not in response.text
    assert sorted(assets) == [
        "/docs-assets/favicon.png",
        "/docs-assets/swagger-ui-bundle.js",
        "/docs-assets/swagger-ui.css",
    ]
    for asset in assets:
        assert (await client.get(asset)).status_code == 200, asset


async def test_merged_document_keeps_the_services_bearer_scheme(
    client: httpx.AsyncClient,
) -> None:
    doc = (await client.get("/openapi.json")).json()

    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert doc["paths"]["/api/residents/me"]["get"]["security"] == [{"HTTPBearer": []}]


def test_prefixing_rewrites_nested_refs_and_keeps_security_schemes() -> None:
    upstream = {
        "openapi": "3.1.0",
        "security": [{"HTTPBearer": []}],
        "paths": {
            "/": {"get": {"operationId": "root", "responses": {}}},
            "/items/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "get": {
                    "operationId": "get_item",
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Item"},
                                    }
                                }
                            }
                        }
                    },
                },
            },
        },
        "components": {
            "schemas": {"Item": {"properties": {"tag": {"$ref": "#/components/schemas/Tag"}}}},
            "parameters": {"Id": {"name": "id", "in": "path"}},
            "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}},
        },
    }

    part = prefix_document("jobs-coop", upstream)

    assert component_prefix("jobs-coop") == "JobsCoop_"
    assert set(part["paths"]) == {"/api/jobs-coop", "/api/jobs-coop/items/{id}"}
    item = part["paths"]["/api/jobs-coop/items/{id}"]
    assert item["parameters"][0]["$ref"] == "#/components/parameters/JobsCoop_Id"
    get = item["get"]
    assert get["operationId"] == "jobs_coop__get_item"
    assert get["security"] == [{"HTTPBearer": []}]
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["items"]["$ref"] == "#/components/schemas/JobsCoop_Item"
    tag_ref = part["components"]["schemas"]["JobsCoop_Item"]["properties"]["tag"]["$ref"]
    assert tag_ref == "#/components/schemas/JobsCoop_Tag"
    assert "HTTPBearer" in part["components"]["securitySchemes"]


def _problem_schema(doc: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The schema a documented answer gives `application/problem+json`, its ref resolved."""
    ref = answer["content"]["application/problem+json"]["schema"]["$ref"]
    schema: dict[str, Any] = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


async def test_every_proxied_operation_documents_what_the_gateway_itself_answers(
    client: httpx.AsyncClient,
) -> None:
    doc = (await client.get("/openapi.json")).json()
    # `/api/stats` and `/api/facts` are the gateway's own routes (they ask the services, but
    # answer a missing service as a marked part, never 502-504): rate limited all the same.
    own = ("/api/stats/", "/api/facts/")
    proxied = [
        operation
        for path, item in doc["paths"].items()
        if path.startswith("/api/") and not path.startswith(own)
        for operation in item.values()
    ]
    for path, item in doc["paths"].items():
        if path.startswith(own):
            for operation in item.values():
                assert {"429", "431"} <= set(operation["responses"]), path

    assert proxied
    for operation in proxied:
        for status in ("429", "431", "502", "503", "504"):
            answer = operation["responses"][status]
            assert set(answer["content"]) == {"application/problem+json"}, status
            assert _problem_schema(doc, answer)["required"] == ["type", "title", "status"]
    # A service's own answers stay as it documents them.
    created = doc["paths"]["/api/residents/registrations"]["post"]["responses"]
    assert created["200"]["description"] == "Successful Response"


async def test_a_502_answers_as_the_merged_document_says(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    # funds is down (see conftest) and so absent from the document; residents' documented
    # operation is answered by the gateway when its upstream fails the same way.
    documented = doc["paths"]["/api/residents/registrations"]["post"]["responses"]["502"]

    response = await client.get("/api/funds/anything")

    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    assert set(_problem_schema(doc, documented)["required"]) <= set(response.json())


async def test_the_token_endpoints_document_their_refusals_as_problems(
    client: httpx.AsyncClient,
) -> None:
    doc = (await client.get("/openapi.json")).json()
    paths = doc["paths"]
    staff = paths["/auth/staff/login"]["post"]["responses"]
    resident = paths["/auth/resident/login"]["post"]["responses"]

    for responses in (staff, resident, paths["/auth/refresh"]["post"]["responses"]):
        for status in ("400", "401", "422", "429", "431"):
            assert set(responses[status]["content"]) == {"application/problem+json"}, status
    assert "404" in resident  # an identity provider not enabled here
    # What the gateway sends for an unknown provider and a malformed body is what it documents.
    unknown = await client.post("/auth/resident/login", json={"provider": "nope", "code": "x"})
    malformed = await client.post("/auth/staff/login", json={"username": 1})
    for response in (unknown, malformed):
        assert response.headers["content-type"] == "application/problem+json"
    assert (unknown.status_code, malformed.status_code) == (404, 422)
    assert "HTTPValidationError" not in doc["components"]["schemas"]
