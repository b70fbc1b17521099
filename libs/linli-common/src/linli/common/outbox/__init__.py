"""Transactional outbox: an event row written in the change's transaction, published after commit."""

from linli.common.outbox.models import OutboxMessage
from linli.common.outbox.record import OUTBOX_CHANNEL, EventRecorder, Events, get_event_recorder

__all__ = ["OUTBOX_CHANNEL", "EventRecorder", "Events", "OutboxMessage", "get_event_recorder"]
