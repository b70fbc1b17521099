"""The hall's copy of svc-grid's incidents, kept from their `incident.*` events."""
