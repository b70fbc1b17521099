"""Real PostgreSQL and NATS JetStream for Linli tests: the pytest plugin and its helpers."""

from linli.testing.asgi import serve_app
from linli.testing.databases import create_database, drop_database, ensure_database, migrate
from linli.testing.infra import EmbeddedPostgres, InfraError, NatsServer, free_port, port_is_free

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
    "serve_app",
]
