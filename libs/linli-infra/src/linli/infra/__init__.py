"""Real PostgreSQL and NATS JetStream on a developer's machine, from PyPI wheels, and the
databases of the deployables on them: what `linli dev up` and the test plugin share, without
pytest (the CLI installs this, never linli-testing)."""

from linli.infra.databases import create_database, drop_database, ensure_database, migrate
from linli.infra.embedded import (
    EmbeddedPostgres,
    InfraError,
    NatsServer,
    free_port,
    port_is_free,
    workspace_root,
)

__all__ = [
    "EmbeddedPostgres",
    "InfraError",
    "NatsServer",
    "create_database",
    "drop_database",
    "ensure_database",
    "free_port",
    "migrate",
    "port_is_free",
    "workspace_root",
]
