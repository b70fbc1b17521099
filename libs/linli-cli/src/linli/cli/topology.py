"""The deployables of the platform, their default ports and databases: one table for the CLI and
the deployment checks, read from each deployable's own settings module so no fact is kept twice."""

from __future__ import annotations

from dataclasses import dataclass

from linli.funds import config as funds
from linli.gateway import config as gateway
from linli.grid import config as grid
from linli.jobs_coop import config as jobs_coop
from linli.residents import config as residents
from linli.service_hall import config as service_hall


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str  # the path segment under /api/ and the NATS subject token
    package: str  # python package under linli.
    directory: str  # workspace folder
    port: int
    database: str

    @property
    def app_factory(self) -> str:
        """What `uvicorn --factory` runs."""
        return f"linli.{self.package}.app:create_app"


GATEWAY = ServiceSpec("gateway", "gateway", "gateway", gateway.PORT, gateway.DATABASE)

SERVICES: tuple[ServiceSpec, ...] = tuple(
    ServiceSpec(
        module.NAME,
        package,
        f"svc-{module.NAME}",
        gateway.UPSTREAM_PORTS[module.NAME],
        module.DATABASE,
    )
    for package, module in (
        ("residents", residents),
        ("service_hall", service_hall),
        ("grid", grid),
        ("funds", funds),
        ("jobs_coop", jobs_coop),
    )
)

DEPLOYABLES: tuple[ServiceSpec, ...] = (GATEWAY, *SERVICES)


def service(name: str) -> ServiceSpec:
    for spec in DEPLOYABLES:
        if spec.name == name:
            return spec
    raise KeyError(name)
