"""Statistics of any division from per-community counters kept in step with the registry."""
