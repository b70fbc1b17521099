"""Moves (迁入/迁出/迁移): residents and households moving in, out, and between communities."""
