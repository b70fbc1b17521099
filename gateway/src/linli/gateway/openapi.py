"""One OpenAPI document: the gateway's own routes plus every upstream's, under `/api/<service>`."""

from __future__ import annotations

import asyncio
import copy
import re
import time
from typing import Any

import httpx
from fastapi import FastAPI

from linli.common.openapi import problem_responses

_REF = "#/components/"
# Not prefixed: every service accepts the same gateway token, so a scheme of one name means the
# same thing everywhere and Swagger UI asks for the token once.
_SECURITY_SCHEMES = "securitySchemes"
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
TOO_MANY_CALLS = (
    "Too many calls from this user (or address, without a valid token); wait `Retry-After` seconds"
)
HEADERS_TOO_LARGE = "The request's header fields exceed the gateway's bound on size or number"
# What the gateway itself may answer on any proxied call, instead of the service behind it.
GATEWAY_ANSWERS: dict[str, dict[str, Any]] = {
    str(status): answer
    for status, answer in problem_responses(
        {
            429: TOO_MANY_CALLS,
            431: HEADERS_TOO_LARGE,
            502: "The service is unreachable, or failed without an answer",
            503: "The gateway has no free connection to the service; retry shortly",
            504: "The service did not answer in time",
        },
        authenticated=False,
    ).items()
}


def component_prefix(service: str) -> str:
    """`service-hall` → `ServiceHall_`: a readable prefix that no generated name can collide with."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", service)) + "_"


def _operation_prefix(service: str) -> str:
    return service.replace("-", "_") + "__"


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_REF):
                kind, _, name = value[len(_REF) :].partition("/")
                if kind != _SECURITY_SCHEMES:
                    name = prefix + name
                out[key] = f"{_REF}{kind}/{name}"
            else:
                out[key] = _rewrite_refs(value, prefix)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, prefix) for item in node]
    return node


def prefix_document(service: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The upstream's paths under `/api/<service>`, components and operationIds prefixed."""
    comp_prefix = component_prefix(service)
    op_prefix = _operation_prefix(service)
    doc = _rewrite_refs(copy.deepcopy(doc), comp_prefix)
    top_security = doc.get("security")  # the merged document has no top-level default
    paths: dict[str, Any] = {}
    for path, item in (doc.get("paths") or {}).items():
        new_item: dict[str, Any] = {}
        for method, operation in item.items():
            if method in _HTTP_METHODS and isinstance(operation, dict):
                operation = dict(operation)
                if "operationId" in operation:
                    operation["operationId"] = op_prefix + operation["operationId"]
                operation["tags"] = [f"{service}/{t}" for t in operation.get("tags") or []] or [
                    service
                ]
                if "security" not in operation and top_security:
                    operation["security"] = top_security
                # Added after the refs were prefixed: these refer to the gateway's own
                # `ProblemDetails`. A service's own description of a status is kept.
                responses = {**copy.deepcopy(GATEWAY_ANSWERS), **operation.get("responses", {})}
                operation["responses"] = dict(sorted(responses.items()))
            new_item[method] = operation
        paths[f"/api/{service}{path}".rstrip("/") or "/"] = new_item
    components: dict[str, Any] = {}
    for kind, entries in (doc.get("components") or {}).items():
        if isinstance(entries, dict):
            prefix = "" if kind == _SECURITY_SCHEMES else comp_prefix
            components[kind] = {prefix + name: value for name, value in entries.items()}
    return {"paths": paths, "components": components}


def merge(
    base: dict[str, Any], upstreams: dict[str, dict[str, Any]], unavailable: list[str]
) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    merged.setdefault("paths", {})
    merged.setdefault("components", {})
    for service in sorted(upstreams):
        part = prefix_document(service, upstreams[service])
        merged["paths"].update(part["paths"])
        for kind, entries in part["components"].items():
            target = merged["components"].setdefault(kind, {})
            for name, value in entries.items():
                target.setdefault(name, value)
    merged["x-linli-unavailable"] = sorted(unavailable)
    return merged


class MergedOpenAPI:
    """Fetches the upstreams' documents concurrently and caches the merge for `ttl_s` seconds."""

    def __init__(self, *, ttl_s: float, timeout_s: float = 2.0) -> None:
        self._ttl_s = ttl_s
        self._timeout_s = timeout_s
        self._cached: dict[str, Any] | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def document(
        self, app: FastAPI, client: httpx.AsyncClient, upstream_urls: dict[str, str]
    ) -> dict[str, Any]:
        if self._cached is not None and time.monotonic() < self._expires:
            return self._cached
        async with self._lock:  # one refresh at a time; the others wait and reuse it
            if self._cached is not None and time.monotonic() < self._expires:
                return self._cached
            names = list(upstream_urls)
            results = await asyncio.gather(*(self._fetch(client, upstream_urls[n]) for n in names))
            docs = {n: d for n, d in zip(names, results, strict=True) if d is not None}
            unavailable = [n for n, d in zip(names, results, strict=True) if d is None]
            self._cached = merge(app.openapi(), docs, unavailable)
            self._expires = time.monotonic() + self._ttl_s
            return self._cached

    async def _fetch(self, client: httpx.AsyncClient, base_url: str) -> dict[str, Any] | None:
        try:
            response = await client.get(base_url + "/openapi.json", timeout=self._timeout_s)
            response.raise_for_status()
            doc = response.json()
        except (httpx.HTTPError, ValueError):
            return None  # listed in x-linli-unavailable; the rest of the document still serves
        return doc if isinstance(doc, dict) else None
