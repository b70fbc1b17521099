"""Statistics of the hall for any division, and one resident's open cases, from live rows."""
