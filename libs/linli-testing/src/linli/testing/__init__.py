"""Real PostgreSQL and NATS JetStream for Linli tests: the pytest plugin and its helpers."""

from linli.infra import (
    EmbeddedPostgres,
    InfraError,
    NatsServer,
    create_database,
    drop_database,
    ensure_database,
    free_port,
    migrate,
    port_is_free,
)
from linli.testing.asgi import serve_app
from linli.testing.frame import check_frame
from linli.testing.migrations import check_migrations
from linli.testing.outbox import OutboxReader, short_type
from linli.testing.tables import truncate_tables

__all__ = [
    "EmbeddedPostgres",
    "InfraError",
    "NatsServer",
    "OutboxReader",
    "check_frame",
    "check_migrations",
    "create_database",
    "drop_database",
    "ensure_database",
    "free_port",
    "migrate",
    "port_is_free",
    "serve_app",
    "short_type",
    "truncate_tables",
]
