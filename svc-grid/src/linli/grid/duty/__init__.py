"""Grid workers assigned to grids, and who is on duty in a grid now (with the community's fallback)."""
