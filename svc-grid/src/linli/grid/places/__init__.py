"""The grid's copy of svc-residents' grids and buildings, kept from their events."""
