"""Incidents (事件): reports, the dispatch-to-verification state machine, SLA escalation."""
