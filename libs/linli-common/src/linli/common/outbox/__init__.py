"""Transactional outbox: an event row written in the change's transaction, published after commit."""

from linli.common.outbox.models import OutboxMessage
from linli.common.outbox.record import OUTBOX_CHANNEL, record_event

__all__ = ["OUTBOX_CHANNEL", "OutboxMessage", "record_event"]
