"""Schema-driven fuzzing of every operation of every service: what its OpenAPI document allows
is sent (and, on a second pass, what it does not), for several roles, and every answer must be
no 5xx, a status the document lists, with the content type and schema it gives.

Twice: each service alone, with tokens of a test issuer; then the gateway's merged document (its
own `/auth/...` and every service under `/api/<service>`), sent through the gateway to all five
services with tokens the gateway issued (`tests.gateway_stack`, the end-to-end tests' wiring).

In-process: each service runs with its lifespan on this test's event loop (real PostgreSQL, real
NATS) through httpx; Hypothesis, which is synchronous, runs in a worker thread and hands each
request to the loop. Bounded to stay fast in CI: a few examples per operation and role, a fixed
seed (`derandomize`), no shrinking (a failure is reported as found).
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import hypothesis.errors
import pytest
import requests
import schemathesis

# Loaded now, at collection: `from_dict` imports it lazily, and CPython 3.11.7 cannot compile a
# module after a RecursionError in the same thread ("AST constructor recursion depth mismatch",
# fixed in 3.11.8), which the hostile-input tests of a module run before this one provoke.
import schemathesis.specs.openapi.schemas
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from linli.common.auth import Role, TokenVerifier
from linli.common.settings import Environment, ServiceSettings
from linli.funds import app as funds_app
from linli.funds import config as funds_config
from linli.grid import app as grid_app
from linli.grid import config as grid_config
from linli.infra.databases import create_database, migrate
from linli.jobs_coop import app as jobs_coop_app
from linli.jobs_coop import config as jobs_coop_config
from linli.residents import app as residents_app
from linli.residents import config as residents_config
from linli.service_hall import app as service_hall_app
from linli.service_hall import config as service_hall_config
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer
from tests.gateway_stack import ServiceFactory, gateway_stack

# Per operation and run (three roles with valid requests, one with invalid ones): at 5, the
# 64 operations of residents are ~1,200 requests, ~25 s. LINLI_FUZZ_EXAMPLES=50 digs deeper.
EXAMPLES = int(os.environ.get("LINLI_FUZZ_EXAMPLES", "5"))
# Through the gateway, every operation of all five again (~130): fewer per operation, since each
# service alone had its full share; what is new here is the gateway's own answers and tokens.
GATEWAY_EXAMPLES = max(1, EXAMPLES * 2 // 5)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
COMMUNITY = "330108001001"
DIVISIONS = (
    "code,name\n3301,杭州市\n330108,滨江区\n330108001,西兴街道\n330108001001,东信社区\n"
).encode()

AppFactory = Callable[..., FastAPI]


@dataclass(frozen=True, slots=True)
class Deployable:
    name: str
    create_app: AppFactory
    settings: type[ServiceSettings]


DEPLOYABLES = (
    Deployable(residents_config.NAME, residents_app.create_app, residents_config.Settings),
    Deployable(grid_config.NAME, grid_app.create_app, grid_config.Settings),
    Deployable(service_hall_config.NAME, service_hall_app.create_app, service_hall_config.Settings),
    Deployable(funds_config.NAME, funds_app.create_app, funds_config.Settings),
    Deployable(jobs_coop_config.NAME, jobs_coop_app.create_app, jobs_coop_config.Settings),
)


def roles(issuer: TestIssuer) -> dict[str, str]:
    """A token for each kind of caller: the top of the tree, a community's worker, a resident."""
    return {
        "city_admin": issuer.issue(roles=[Role.CITY_ADMIN], scope="3301", subject="fuzz-city"),
        "community_worker": issuer.issue(
            roles=[Role.COMMUNITY_WORKER], scope=COMMUNITY, subject="fuzz-worker"
        ),
        "resident": issuer.issue(roles=[Role.RESIDENT], subject="fuzz-resident"),
    }


def _request_of(kwargs: dict[str, Any]) -> dict[str, Any]:
    """What schemathesis gives `requests`, encoded by requests itself (query, JSON, forms,
    multipart), as httpx takes it."""
    kwargs = {k: v for k, v in kwargs.items() if k != "auth"}
    prepared = requests.Request(**kwargs).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    return {
        "method": prepared.method,
        "url": prepared.url,
        "headers": dict(prepared.headers),
        "content": body,
    }


def fuzz(
    schema: Any,
    client: httpx.AsyncClient,
    loop: asyncio.AbstractEventLoop,
    tokens: dict[str, str],
    *,
    examples: int = EXAMPLES,
) -> tuple[list[str], int]:
    """Every operation of `schema`, for each role and mode; (failures, requests sent)."""
    failures: list[str] = []
    sent = 0

    def send(kwargs: dict[str, Any]) -> httpx.Response:
        nonlocal sent
        sent += 1
        request = client.build_request(**_request_of(kwargs))
        request.read()  # a multipart body streams; the checks read it again
        future = asyncio.run_coroutine_threadsafe(client.send(request), loop)
        return future.result(timeout=60)

    for result in schema.get_all_operations():
        operation = result.ok()
        # Valid requests for every role (each sees other answers); invalid ones are refused
        # alike whoever sends them, so one role is enough for those.
        runs = [(GenerationMode.POSITIVE, role) for role in tokens]
        runs.append((GenerationMode.NEGATIVE, next(iter(tokens))))
        for mode, role in runs:
            strategy = operation.as_strategy(generation_mode=mode)
            probe = _probe(strategy, tokens[role], client, send, examples)
            try:
                probe()
            except hypothesis.errors.Unsatisfiable:
                pass  # nothing to make invalid (an operation without parameters or body)
            # Every kind of finding is reported (schemathesis raises a BaseExceptionGroup of
            # its failures); none stops the run.
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} as {role} ({mode.value}): {exc}")
    return failures, sent


def _probe(
    strategy: Any,
    token: str,
    client: httpx.AsyncClient,
    send: Callable[[dict[str, Any]], httpx.Response],
    examples: int,
) -> Callable[[], None]:
    headers = {"Authorization": f"Bearer {token}"}

    @hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @hypothesis.given(case=strategy)
    def probe(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=dict(headers))
        case.validate_response(send(kwargs), checks=CHECKS, headers=headers)

    result: Callable[[], None] = probe
    return result


async def _seed(client: httpx.AsyncClient, tokens: dict[str, str], prefix: str = "") -> None:
    """Enough of the division tree for scoped calls to reach past 'unknown community'."""
    response = await client.post(
        f"{prefix}/divisions/import",
        content=DIVISIONS,
        headers={"Authorization": f"Bearer {tokens['city_admin']}", "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text


def _app(
    deployable: Deployable, database_url: str, nats_url: str, verifier: TokenVerifier
) -> FastAPI:
    """The service as the fuzzer meets it: no relay or consumers changing data under it."""
    settings = deployable.settings(
        database_url=database_url,
        nats_url=nats_url,
        environment=Environment.TEST,
        log_json=False,
        run_outbox_relay=False,
        run_consumers=False,
    )
    return deployable.create_app(settings, token_verifier=verifier)


@pytest.fixture(scope="module")
def databases(pg_server_url: str) -> Iterator[dict[str, str]]:
    """A database per service of its own (the services' tests keep theirs)."""
    made = {}
    for deployable in DEPLOYABLES:
        url = create_database(pg_server_url, "fuzz_" + deployable.name.replace("-", "_"))
        migrate(deployable.name, url)
        made[deployable.name] = url
    yield made


@pytest.mark.timeout(300)
@pytest.mark.parametrize("deployable", DEPLOYABLES, ids=[d.name for d in DEPLOYABLES])
async def test_every_operation_answers_as_its_document_says(
    deployable: Deployable, databases: dict[str, str], nats_url: str, issuer: TestIssuer
) -> None:
    verifier: TokenVerifier = issuer.verifier()
    tokens = roles(issuer)
    app = _app(deployable, databases[deployable.name], nats_url, verifier)
    async with serve_app(app) as client:
        if deployable.name == residents_config.NAME:
            await _seed(client, tokens)
        document = (await client.get("/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document)
        started = time.monotonic()
        failures, sent = await asyncio.to_thread(
            fuzz, schema, client, asyncio.get_running_loop(), tokens
        )
        elapsed = time.monotonic() - started
        # The service is still healthy after all of it.
        assert (await client.get("/healthz")).status_code == 200
    print(f"{deployable.name}: {sent} requests in {elapsed:.1f} s")
    assert not failures, "\n\n".join(_shortened(failures))


@pytest.mark.timeout(300)
async def test_every_operation_through_the_gateway_answers_as_its_document_says(
    pg_server_url: str, databases: dict[str, str], nats_url: str, tmp_path: Path
) -> None:
    """The gateway's merged document (its own `/auth/...` and every service under
    `/api/<service>`), fuzzed through the gateway with tokens it issued itself."""
    services: dict[str, ServiceFactory] = {
        d.name: functools.partial(_through_gateway, d, nats_url=nats_url) for d in DEPLOYABLES
    }
    async with gateway_stack(
        pg_server_url, tmp_path, services, rate_limit="1000000/minute", databases=databases
    ) as stack:
        await stack.add_staff("city_admin", "city_admin", "3301")
        await stack.add_staff("community_worker", "community_worker", COMMUNITY)
        await stack.add_resident("resident")
        await _seed(stack.gateway, stack.tokens, prefix=f"/api/{residents_config.NAME}")
        document = (await stack.gateway.get("/openapi.json")).json()
        assert document["x-linli-unavailable"] == []
        schema = schemathesis.openapi.from_dict(document)
        started = time.monotonic()
        failures, sent = await asyncio.to_thread(
            fuzz,
            schema,
            stack.gateway,
            asyncio.get_running_loop(),
            stack.tokens,
            examples=GATEWAY_EXAMPLES,
        )
        elapsed = time.monotonic() - started
        # Every service and the gateway are still healthy after all of it.
        for name, client in stack.services.items():
            assert (await client.get("/readyz")).status_code == 200, name
        health = await stack.gateway.get("/healthz")
        assert health.status_code == 200, health.text
    print(f"gateway: {sent} requests in {elapsed:.1f} s")
    assert not failures, "\n\n".join(_shortened(failures))


def _through_gateway(
    deployable: Deployable, database_url: str, verifier: TokenVerifier, *, nats_url: str
) -> FastAPI:
    return _app(deployable, database_url, nats_url, verifier)


def _shortened(failures: Sequence[str]) -> list[str]:
    return [failure if len(failure) < 3000 else failure[:3000] + " …" for failure in failures]
