"""The deployables of the platform, their default ports and databases: one table for the CLI,
the gateway's default upstreams, and the deployment checks."""

from __future__ import annotations

from dataclasses import dataclass


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


GATEWAY = ServiceSpec("gateway", "gateway", "gateway", 8080, "linli_gateway")

SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("residents", "residents", "svc-residents", 8101, "linli_residents"),
    ServiceSpec("service-hall", "service_hall", "svc-service-hall", 8102, "linli_service_hall"),
    ServiceSpec("grid", "grid", "svc-grid", 8103, "linli_grid"),
    ServiceSpec("funds", "funds", "svc-funds", 8104, "linli_funds"),
    ServiceSpec("jobs-coop", "jobs_coop", "svc-jobs-coop", 8105, "linli_jobs_coop"),
)

DEPLOYABLES: tuple[ServiceSpec, ...] = (GATEWAY, *SERVICES)


def service(name: str) -> ServiceSpec:
    for spec in DEPLOYABLES:
        if spec.name == name:
            return spec
    raise KeyError(name)
