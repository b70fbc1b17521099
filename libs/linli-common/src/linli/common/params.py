"""Query strings hold only what an operation declares: an unknown parameter is refused, never
ignored. A misspelt filter (`?comunity=…`) that is ignored returns the whole scope, which reads
as an answer; refused, it names itself.

`create_service_app` puts `refuse_unknown_query` on every route of a service; the gateway puts it
on its own routes only, since its proxy forwards whatever the service behind it declares.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel

# Kept on the route, computed on its first request: the declared names never change after startup.
_DECLARED = "_linli_declared_query"


def declared_query(dependant: Dependant) -> frozenset[str]:
    """The query parameter names an operation reads, its dependencies' included."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                # A query parameter model (`Annotated[Filters, Query()]`) spreads its fields.
                names.update(f.alias or name for name, f in model.model_fields.items())
            else:
                names.add(field.alias)
        pending.extend(current.dependencies)
    return frozenset(names)


async def refuse_unknown_query(request: Request) -> None:
    """422 (a validation problem naming each unknown parameter as `query.<name>`) when the query
    string holds a parameter the operation does not declare."""
    route = request.scope.get("route")
    # Only the documented operations: the docs pages, probes and metrics are not the API.
    if not isinstance(route, APIRoute) or not route.include_in_schema or not request.query_params:
        return
    declared: frozenset[str] | None = getattr(route, _DECLARED, None)
    if declared is None:
        declared = declared_query(route.dependant)
        setattr(route, _DECLARED, declared)
    unknown = sorted(set(request.query_params.keys()) - declared)
    if unknown:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": "Unknown query parameter",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ]
        )


__all__ = ["declared_query", "refuse_unknown_query"]
