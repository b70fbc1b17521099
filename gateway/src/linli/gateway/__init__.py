"""Linli gateway: the one public entry point (auth, routing, rate limits, merged OpenAPI)."""
