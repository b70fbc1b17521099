"""Transactional outbox: an event row written in the change's transaction, published after commit."""

from linli.common.outbox.models import OutboxMessage
from linli.common.outbox.record import OUTBOX_CHANNEL, EventRecorder, Events, events_of

__all__ = ["OUTBOX_CHANNEL", "EventRecorder", "Events", "OutboxMessage", "events_of"]
