"""Open311 GeoReport v2: civic-reporting apps list services and post and follow requests."""
