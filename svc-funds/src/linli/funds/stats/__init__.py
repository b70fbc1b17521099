"""Statistics of the funds of any division subtree: balances and the month's flows, from live rows."""
