"""The hall's copy of residents' community, address and tags, from svc-residents' events."""
