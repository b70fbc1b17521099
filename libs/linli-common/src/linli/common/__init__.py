"""Linli shared kernel: what every service needs in the same form, and nothing domain-specific."""
