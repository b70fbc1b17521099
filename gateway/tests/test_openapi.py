"""The merged OpenAPI document and the Swagger UI."""

from __future__ import annotations

import re

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
